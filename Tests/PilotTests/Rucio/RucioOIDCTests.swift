import Foundation
@testable import Pilot
import Testing

/// `pilot rucio download|upload --auth-type oidc` against the real Rucio server (PyPI, SQLite),
/// which validates each OIDC access token itself (`core/oidc.py validate_jwt`): it reads the
/// issuer's discovery document and keys from an OIDC provider on 127.0.0.1 (pyoidc's provider,
/// `Scripts/oidc-provider.py`, trusted through `[oidc] idpsecrets`), checks the RS256 signature,
/// `exp`, `aud` and `scope`, and maps `SUB=…, ISS=…` to the account. No account is configured
/// in the pilot: the token alone says who it is.
@Suite("pilot rucio with OIDC tokens against a real Rucio server", .serialized,
       .enabled(if: RucioServer.isUsable, "needs Rucio and LocalStack: \(RucioServer.skipReason)"))
struct RucioOIDCTests {
    @Test("a token from the trusted issuer: download and upload, as the account Rucio maps the token's identity to")
    func validToken() throws {
        let rucio = try RucioServer.shared()
        let scratch = try ScratchDirectory("rucio-oidc")
        let token = try rucio.oidcToken()
        let tokenFile = try scratch.write("bt", token + "\n")
        let bytes = StagingServers.seededBytes(count: 300_001, seed: 41)
        let added = try rucio.addFile(scope: "user.pilot", name: "oidc-in.root", bytes: bytes, rses: ["S3_SCRATCHDISK"])
        let storedBefore = try rucio.storedOIDCTokens(subject: "pilot")

        let download = try PilotBinary.run(["rucio", "download", "user.pilot:oidc-in.root", scratch.path, "--json",
                                            "--auth-type", "oidc", "--token-file", tokenFile], environment: environment(rucio))
        #expect(download.status == 0, "\(download.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(download.stdout.utf8)) as? [String: Any])
        #expect(json["checksum"] as? String == "ad:" + added.adler32)
        #expect(FileManager.default.contents(atPath: scratch("oidc-in.root")) == Data(bytes))
        // Rucio validated the JWT and stored it for its identity: the pilot sent it, not another credential.
        #expect(try rucio.storedOIDCTokens(subject: "pilot") == storedBefore + 1)
        // The trace names the account Rucio mapped the token to (GET /accounts/whoami).
        #expect(rucio.traces().last?["account"] as? String == "pilot")
        expectNoToken(download, token)

        // Upload through BEARER_TOKEN_FILE (WLCG bearer token discovery), no --token-file.
        let output = scratch("oidc-out.root")
        let outBytes = StagingServers.seededBytes(count: 50_017, seed: 42)
        try Data(outBytes).write(to: URL(fileURLWithPath: output))
        var uploadEnvironment = environment(rucio)
        uploadEnvironment["BEARER_TOKEN_FILE"] = tokenFile
        let upload = try PilotBinary.run(["rucio", "upload", output, "--rse", "S3_SCRATCHDISK", "--scope", "user.pilot",
                                          "--json", "--auth-type", "oidc"], environment: uploadEnvironment)
        #expect(upload.status == 0, "\(upload.stderr)")
        let held = try #require(try rucio.show(scope: "user.pilot", name: "oidc-out.root"))
        let did = try #require(held["did"] as? [String: Any])
        // The DID's account is the one Rucio mapped SUB=pilot, ISS=<trusted issuer> to.
        #expect(did["account"] as? String == "pilot")
        #expect(did["bytes"] as? Int == outBytes.count && did["adler32"] as? String == TestChecksums.adler32Hex(outBytes))
        #expect(held["replicas"] as? [String: String] == ["S3_SCRATCHDISK": "AVAILABLE"])
        expectNoToken(upload, token)
    }

    @Test("an expired token: a credentials error (78) naming the token file, before Rucio is asked")
    func expiredToken() async throws {
        let rucio = try RucioServer.shared()
        let scratch = try ScratchDirectory("rucio-oidc")
        let token = try rucio.oidcToken(client: "pilot-brief")
        let tokenFile = try scratch.write("bt", token)
        let expires = try #require(RucioToken.jwtClaims(token)?["exp"]?.integer)
        while Int(Date().timeIntervalSince1970) <= expires { try await Task.sleep(for: .milliseconds(250)) }
        let storedBefore = try rucio.storedOIDCTokens(subject: "pilot-brief")

        let result = try PilotBinary.run(["rucio", "download", "user.pilot:oidc-in.root", scratch.path,
                                          "--auth-type", "oidc", "--token-file", tokenFile], environment: environment(rucio))
        #expect(result.status == 78, "\(result.stderr)")
        #expect(result.stderr.contains("rucio credentials \(tokenFile) unusable: the OIDC access token expired"), "\(result.stderr)")
        #expect(result.stderr.contains("issuer \(rucio.ready.oidc?.issuer ?? "?")"))
        #expect(try rucio.storedOIDCTokens(subject: "pilot-brief") == storedBefore)
        expectNoToken(result, token)
    }

    @Test("a token Rucio must refuse: another issuer, or the trusted issuer's name with another key (82, the file named)",
          arguments: ["untrusted", "impostor"])
    func refusedToken(provider: String) throws {
        let rucio = try RucioServer.shared()
        let scratch = try ScratchDirectory("rucio-oidc")
        let token = try rucio.oidcToken(provider: provider)
        let tokenFile = try scratch.write("bt", token)
        let issuer = provider == "untrusted" ? rucio.ready.oidc?.untrustedIssuer : rucio.ready.oidc?.issuer
        #expect(RucioToken.jwtClaims(token)?["iss"]?.text == issuer)

        let result = try PilotBinary.run(["rucio", "download", "user.pilot:oidc-in.root", scratch.path,
                                          "--auth-type", "oidc", "--token-file", tokenFile], environment: environment(rucio))
        #expect(result.status == 82, "\(result.stderr)")
        #expect(result.stderr.contains("rucio refused oidc authentication for account (mapped from the token)"), "\(result.stderr)")
        #expect(result.stderr.contains("the OIDC access token from \(tokenFile) (issuer \(issuer ?? "?"), subject pilot) was not accepted"))
        #expect(!FileManager.default.fileExists(atPath: scratch("oidc-in.root")))
        expectNoToken(result, token)
    }

    @Test("a token file rewritten while the old token expires: the pilot reads it again mid-transfer and goes on")
    func tokenReadAgain() async throws {
        let rucio = try RucioServer.shared()
        let scratch = try ScratchDirectory("rucio-oidc")
        let bytes = StagingServers.seededBytes(count: 1_200_000, seed: 43)
        let added = try rucio.addFile(scope: "user.pilot", name: "oidc-slow.root", bytes: bytes, rses: ["SLOW_SCRATCHDISK"])
        // The first connection is cut after 1.1 MB at 100 kB/s (11 s): past both the 4 s signature
        // and the 8 s token, so the fresh URL must be asked for with a token read again.
        try rucio.slowDown(connections: 1, rate: 100_000, cutAfter: 1_100_000)
        let brief = try rucio.oidcToken(client: "pilot-brief")
        let tokenFile = try scratch.write("bt", brief)
        let briefBefore = try rucio.storedOIDCTokens(subject: "pilot-brief")
        let longBefore = try rucio.storedOIDCTokens(subject: "pilot")
        let arguments = ["rucio", "download", "user.pilot:oidc-slow.root", scratch("oidc-slow.root"), "--json",
                         "--signature-lifetime", "4", "--auth-type", "oidc", "--token-file", tokenFile]
        let environment = environment(rucio)

        async let run = Self.pilot(arguments, environment: environment)
        // Once Rucio has the first token, the "token agent" puts a fresh one (an hour) in its place.
        let deadline = Date().addingTimeInterval(8)
        while try rucio.storedOIDCTokens(subject: "pilot-brief") == briefBefore, Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        let fresh = try rucio.oidcToken()
        try fresh.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let result = try await run

        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["checksum"] as? String == "ad:" + added.adler32)
        #expect((json["refreshes"] as? Int ?? 0) >= 1, "\(result.stderr)")
        #expect(FileManager.default.contents(atPath: scratch("oidc-slow.root")) == Data(bytes))
        // Both tokens reached Rucio: the brief one first, the fresh one for the new URL.
        #expect(try rucio.storedOIDCTokens(subject: "pilot-brief") == briefBefore + 1)
        #expect(try rucio.storedOIDCTokens(subject: "pilot") == longBefore + 1)
        // Renewed from the brief token's exp, not after Rucio refused it.
        #expect(!result.stderr.contains("rucio token refused"), "\(result.stderr)")
        expectNoToken(result, brief)
        expectNoToken(result, fresh)
    }

    // MARK: - Helpers

    /// The lane's environment with no account and no password: only the token speaks.
    private func environment(_ rucio: RucioServer) -> [String: String?] {
        var environment = rucio.environment()
        for key in ["PILOT_RUCIO_ACCOUNT", "PILOT_RUCIO_AUTH_TYPE", "PILOT_RUCIO_PASSWORD_FILE", "PILOT_RUCIO_TOKEN_FILE",
                    "BEARER_TOKEN", "BEARER_TOKEN_FILE", "XDG_RUNTIME_DIR"] {
            environment[key] = .some(nil)
        }
        return environment
    }

    private static func pilot(_ arguments: [String], environment: [String: String?]) async throws -> PilotBinary.Result {
        try PilotBinary.run(arguments, environment: environment)
    }

    /// Neither the token nor its signature part in anything the pilot printed.
    private func expectNoToken(_ result: PilotBinary.Result, _ token: String) {
        let text = result.stdout + result.stderr
        let signature = String(token.split(separator: ".").last ?? "")
        #expect(!text.contains(token) && !signature.isEmpty && !text.contains(signature), "the token was printed")
        let payload = String(token.split(separator: ".").dropFirst().first ?? "")
        #expect(!text.contains(payload), "the token's claims were printed as they are")
    }
}
