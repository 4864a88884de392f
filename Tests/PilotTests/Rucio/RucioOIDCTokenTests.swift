import Foundation
import Logging
import Testing
@testable import Pilot

/// Where `auth_type = oidc` finds its access token, what it reads from it, and what it says when
/// the token is unusable, against a scripted transport (RucioOIDCTests runs the real server).
@Suite("rucio OIDC token sources and claims")
struct RucioOIDCTokenTests {
    /// An unsigned JWT with `claims` (the pilot never checks the signature; Rucio does).
    static func jwt(_ claims: String) -> String {
        let payload = Data(claims.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        return "eyJhbGciOiJSUzI1NiJ9.\(payload).c2lnbmF0dXJl"
    }

    static func token(_ name: String, expires: Int = 4_102_444_800) -> String {
        jwt(#"{"iss":"https://idp.test/","sub":"\#(name)","exp":\#(expires),"aud":"rucio"}"#)
    }

    /// The token the first call carried, or the error it failed with.
    private func firstToken(tokenFile: String? = nil, environment: [String: String],
                            status: Int = 200) throws -> Result<String, RucioError> {
        let http = ScriptedRucioHTTP()
        http.answers = { _, _ in
            RucioHTTPResponse(status: status, headers: [:],
                              body: status == 200 ? "{}" : #"{"ExceptionClass": "CannotAuthenticate", "ExceptionMessage": "Cannot authenticate"}"#,
                              curlCode: 0, message: "")
        }
        var settings = RucioSettings(serverURL: "http://rucio.test", account: "pilot", authType: .oidc)
        settings.tokenFile = tokenFile
        let client = try RucioClient(settings: settings, environment: environment, logger: Logger(label: "test"), http: http)
        do throws(RucioError) {
            _ = try client.call(.get, "/rses/X/attr/")
        } catch {
            return .failure(error)
        }
        let header = http.requests.first?.headers.first { $0.hasPrefix("X-Rucio-Auth-Token: ") }
        #expect(http.requests.allSatisfy { !$0.url.contains("/auth/") }, "an OIDC token is sent as it is, never exchanged")
        return .success(String(header?.dropFirst("X-Rucio-Auth-Token: ".count) ?? ""))
    }

    @Test("the claims are read from the payload, base64url, without the signature; anything else is no JWT")
    func claims() {
        let claims = RucioToken.jwtClaims(Self.jwt(#"{"iss":"https://idp.test/?a=b","sub":"ü-1","exp":1795894080}"#))
        #expect(claims?["iss"]?.text == "https://idp.test/?a=b" && claims?["sub"]?.text == "ü-1")
        #expect(claims?["exp"]?.integer == 1_795_894_080)
        #expect(RucioToken.jwtClaims(Self.jwt("[1, 2]")) == nil, "a payload that is not an object")
        #expect(RucioToken.jwtClaims("a.b") == nil && RucioToken.jwtClaims("a.!!!.c") == nil)
        #expect(RucioToken.jwtClaims(Self.jwt(#"{"sub":"x"}"#))?["exp"] == nil, "no exp: never read again on time")
    }

    @Test("rucio.token_file, then BEARER_TOKEN_FILE, then BEARER_TOKEN, then $XDG_RUNTIME_DIR/bt_u<uid>")
    func sources() throws {
        let scratch = try ScratchDirectory("rucio-oidc-sources")
        let configured = try scratch.write("configured", Self.token("configured") + "\n")
        let fromVariable = try scratch.write("variable", Self.token("variable"))
        try FileManager.default.createDirectory(atPath: scratch("run"), withIntermediateDirectories: true)
        try scratch.write("run/bt_u\(getuid())", "  " + Self.token("xdg") + "\n")
        let all = ["BEARER_TOKEN_FILE": fromVariable, "BEARER_TOKEN": Self.token("inline"), "XDG_RUNTIME_DIR": scratch("run")]

        #expect(try firstToken(tokenFile: configured, environment: all).get() == Self.token("configured"))
        #expect(try firstToken(environment: all).get() == Self.token("variable"))
        #expect(try firstToken(environment: all.filter { $0.key != "BEARER_TOKEN_FILE" }).get() == Self.token("inline"))
        #expect(try firstToken(environment: ["XDG_RUNTIME_DIR": scratch("run")]).get() == Self.token("xdg"))
        // Empty variables count as unset.
        #expect(try firstToken(environment: ["BEARER_TOKEN_FILE": "", "BEARER_TOKEN": "", "XDG_RUNTIME_DIR": scratch("run")]).get()
                == Self.token("xdg"))
    }

    @Test("no token, an unreadable file, an expired token: a credentials error naming the source, not the token")
    func unusable() throws {
        let scratch = try ScratchDirectory("rucio-oidc-unusable")
        guard case .failure(.credentials(let path, let reason)) = try firstToken(environment: [:]) else {
            Issue.record("no token was not refused")
            return
        }
        #expect(path == "BEARER_TOKEN" && reason.contains("no OIDC access token"), "\(reason)")

        let missing = scratch("absent")
        guard case .failure(.credentials(let missingPath, _)) = try firstToken(environment: ["BEARER_TOKEN_FILE": missing]) else {
            Issue.record("a missing token file was not refused")
            return
        }
        #expect(missingPath == missing)

        let expired = Self.token("old", expires: Int(Date().timeIntervalSince1970) - 120)
        let file = try scratch.write("expired", expired)
        let result = try firstToken(tokenFile: file, environment: [:])
        guard case .failure(let error) = result, case .credentials(let expiredPath, let why) = error else {
            Issue.record("an expired token was sent: \(result)")
            return
        }
        #expect(expiredPath == file && why.contains("expired") && why.contains("issuer https://idp.test/"), "\(why)")
        #expect(!error.description.contains(expired.split(separator: ".")[1]))
        #expect(error.exitCode.rawValue == 78)
    }

    @Test("a token Rucio refuses: 82, naming where it came from (file, issuer, subject) and never the token")
    func refused() throws {
        let scratch = try ScratchDirectory("rucio-oidc-refused")
        let token = Self.token("stranger")
        let file = try scratch.write("bt", token)
        let result = try firstToken(tokenFile: file, environment: [:], status: 401)
        guard case .failure(let error) = result, case .authenticationFailed(_, let method, let reason) = error else {
            Issue.record("a refused token did not fail: \(result)")
            return
        }
        #expect(method == "oidc" && error.exitCode.rawValue == 82)
        #expect(reason.contains(file) && reason.contains("issuer https://idp.test/") && reason.contains("subject stranger"), "\(reason)")
        #expect(!error.description.contains(token.split(separator: ".")[1]))
    }
}
