import Foundation
import Testing
@testable import Pilot

/// libcurl's redacted trace (`--debug`, `PILOT_CURL_DEBUG`) and what `--cacert` trusts, against
/// nginx's secure links over HTTP and HTTPS.
@Suite("pilot stage: the redacted libcurl trace, and --cacert added to the system bundle", .serialized,
       .enabled(if: StagingServers.isUsable, "needs nginx (secure_link, dav, ssl), python3, openssl: \(StagingServers.skipReason)"))
struct StageTraceAndTrustTests {
    /// The `md5=` signature of an nginx secure link.
    private func signature(_ url: String) -> String {
        String(url.components(separatedBy: "md5=").last?.prefix { $0 != "&" } ?? "")
    }

    /// The trace's lines from a JSON-lines stderr: each `msg` that starts with `curl `.
    static func traceLines(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let message = object["msg"] as? String, message.hasPrefix("curl ") else { return nil }
            return message
        }
    }

    @Test("--debug traces a signed GET: request line and headers, response headers, connection info; no signature, no body")
    func traceOfASecureLink() throws {
        let servers = try StagingServers()
        let marker = "BODY-MARKER-" + UUID().uuidString
        let file = try servers.addFile("trace/t.txt", contents: Array((marker + "\n").utf8))
        let url = servers.signedURL(path: file.path)
        let secret = signature(url)
        #expect(secret.count >= 16)
        let out = servers.directory + "/t.txt"

        let result = try PilotBinary.run(["stage", "get", url, out, "--debug"], environment: ["PILOT_LOG_FORMAT": "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let trace = Self.traceLines(result.stderr)
        #expect(trace.contains { $0.hasPrefix("curl > GET /signed/trace/t.txt?md5=REDACTED&expires=") }, "\(trace)")
        #expect(trace.contains { $0.hasPrefix("curl > Host: 127.0.0.1:") }, "\(trace)")
        #expect(trace.contains { $0.hasPrefix("curl < HTTP/1.1 200") }, "\(trace)")
        #expect(trace.contains { $0.hasPrefix("curl < Content-Length: \(file.size)") }, "\(trace)")
        #expect(trace.contains { $0.hasPrefix("curl * ") }, "\(trace)")
        #expect(!result.stderr.contains(secret) && !result.stdout.contains(secret), "\(result.stderr)")
        #expect(!result.stderr.contains(marker), "a body reached the trace: \(result.stderr)")

        // Without the flag, no trace: it is not a side effect of the log level.
        let quiet = try PilotBinary.run(["stage", "get", url, out + "2", "--log-level", "debug"],
                                        environment: ["PILOT_LOG_FORMAT": "json"])
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(Self.traceLines(quiet.stderr).isEmpty, "\(quiet.stderr)")
    }

    @Test("PILOT_CURL_DEBUG=1 traces a PUT over HTTPS (TLS handshake info included) without the signature")
    func traceFromTheEnvironment() throws {
        let servers = try StagingServers()
        let local = servers.directory + "/up.bin"
        try Data(StagingServers.seededBytes(count: 200_000, seed: 3)).write(to: URL(fileURLWithPath: local))
        let url = servers.signedURL(path: "up/traced.bin", method: "PUT", tls: true)
        let secret = signature(url)

        let result = try PilotBinary.run(["stage", "put", local, url, "--cacert", servers.caCertificatePath],
                                         environment: ["PILOT_LOG_FORMAT": "json", "PILOT_CURL_DEBUG": "1"])
        #expect(result.status == 0, "\(result.stderr)")
        let trace = Self.traceLines(result.stderr)
        // Over HTTP/2 libcurl shows the request line as `[HTTP/2] [1] [:path: …]` and `> PUT …`.
        #expect(trace.contains { $0.contains("PUT /signed/up/traced.bin?md5=REDACTED&expires=") }, "\(trace)")
        #expect(trace.contains { $0.hasPrefix("curl * SSL connection using TLS") }, "\(trace)")
        #expect(!trace.contains { $0.contains("md5=") && !$0.contains("md5=REDACTED") }, "\(trace)")
        #expect(!result.stderr.contains(secret), "\(result.stderr)")
        #expect(servers.uploadedFile("up/traced.bin") != nil)
    }

    @Test("trace lines lose secret header values and URL parameters")
    func redactedLines() {
        #expect(CurlDebugTrace.redacted("Authorization: AWS4-HMAC-SHA256 Credential=AKID/x, Signature=abc")
            == "Authorization: REDACTED")
        #expect(CurlDebugTrace.redacted("x-amz-security-token: FwoGZXIvYXdzE") == "x-amz-security-token: REDACTED")
        #expect(CurlDebugTrace.redacted("Cookie: session=s3cr3t") == "Cookie: REDACTED")
        #expect(CurlDebugTrace.redacted("GET /b/k?X-Amz-Credential=AKID%2F2026&X-Amz-Signature=0a1b HTTP/1.1")
            == "GET /b/k?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED HTTP/1.1")
        #expect(CurlDebugTrace.redacted("Location: https://s/o?temp_url_sig=ff&temp_url_expires=1")
            == "Location: https://s/o?temp_url_sig=REDACTED&temp_url_expires=1")
        #expect(CurlDebugTrace.redacted("Content-Length: 12") == "Content-Length: 12")
    }

    // MARK: - --cacert adds to the system bundle

    /// A throw-away CA certificate that signed nothing here.
    private func unrelatedCA(_ directory: String) throws -> String {
        let path = directory + "/unrelated-ca.pem"
        let result = try LocalCommand.run(executable: "/usr/bin/openssl", arguments: [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", directory + "/unrelated-ca.key",
            "-out", path, "-days", "2", "-subj", "/CN=pilot unrelated test CA",
        ], environment: ProcessInfo.processInfo.environment)
        #expect(result.status == 0, "\(result.stderr)")
        return path
    }

    @Test("--cacert is trusted on top of the system bundle (SSL_CERT_FILE), not instead of it; unreadable exits 64")
    func cacertAdds() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("tls/c.bin", size: 100_000)
        let url = servers.signedURL(path: file.path, tls: true)
        let other = try unrelatedCA(servers.directory)
        func get(_ name: String, system: String, cacert: String?) throws -> PilotBinary.Result {
            try PilotBinary.run(["stage", "get", url, servers.directory + "/" + name] + (cacert.map { ["--cacert", $0] } ?? []),
                                environment: ["SSL_CERT_FILE": system, "X509_CERT_DIR": nil])
        }

        // The server's CA only in --cacert: trusted.
        let added = try get("a.bin", system: other, cacert: servers.caCertificatePath)
        #expect(added.status == 0, "\(added.stderr)")
        // The server's CA only in the system bundle, an unrelated --cacert: still trusted (it adds).
        let kept = try get("b.bin", system: servers.caCertificatePath, cacert: other)
        #expect(kept.status == 0, "\(kept.stderr)")
        // In neither: refused as untrusted.
        let neither = try get("c.bin", system: other, cacert: nil)
        #expect(neither.status == 82, "\(neither.stderr)")
        #expect(neither.stderr.contains("TLS verification failed"), "\(neither.stderr)")
        // A --cacert that cannot be read is a usage error naming it, before any request.
        let missing = try get("d.bin", system: servers.caCertificatePath, cacert: servers.directory + "/no-such-ca.pem")
        #expect(missing.status == 64, "\(missing.stderr)")
        #expect(missing.stderr.contains("--cacert") && missing.stderr.contains("no-such-ca.pem"), "\(missing.stderr)")
    }
}
