import Foundation
import Logging
import Testing
@testable import Pilot

@Suite("redaction of secrets in log lines")
struct RedactorTests {
    @Test("signed-URL signatures and credentials are removed, other parameters kept", arguments: [
        ("https://s3.example/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101&X-Amz-Signature=abcdef0123&X-Amz-Expires=600",
         "https://s3.example/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&X-Amz-Expires=600"),
        ("GET https://gcs/x?GoogleAccessId=sa@p&Expires=1700000000&Signature=b64%2Bsig== done",
         "GET https://gcs/x?GoogleAccessId=REDACTED&Expires=1700000000&Signature=REDACTED done"),
        ("http://127.0.0.1/f?md5=AbC-_x&expires=99#frag", "http://127.0.0.1/f?md5=REDACTED&expires=99#frag"),
        ("url=\"https://h/p?x-amz-security-token=T0k&a=1\"", "url=\"https://h/p?x-amz-security-token=REDACTED&a=1\""),
        ("https://swift/v1/o?temp_url_sig=deadbeef&temp_url_expires=1", "https://swift/v1/o?temp_url_sig=REDACTED&temp_url_expires=1"),
    ])
    func signedURLs(input: String, output: String) {
        #expect(Redactor.redact(input) == output)
    }

    @Test("headers and bearer tokens are removed")
    func headers() {
        #expect(Redactor.redact("Authorization: Bearer eyJhbGciOi.x.y\nnext") == "Authorization: REDACTED\nnext")
        #expect(Redactor.redact("x-api-key: k3y") == "x-api-key: REDACTED")
        #expect(Redactor.redact("sent bearer abc.def to server") == "sent bearer REDACTED to server")
    }

    @Test("text without secrets is unchanged", arguments: [
        "plain message", "https://h/p?signatures=ok&designation=1", "a?b&c=d", "", "ünïcode ?sig",
    ])
    func untouched(input: String) {
        #expect(Redactor.redact(input) == input)
    }

    @Test("log lines are redacted in message and metadata, JSON and text alike")
    func logLines() throws {
        let time = Date(timeIntervalSince1970: 0)
        let json = PilotLogHandler.format(level: .info, message: "fetch https://h/o?X-Amz-Signature=s3cr3t",
                                          metadata: ["url": "https://h/o?sig=s3cr3t", "job.id": "42"],
                                          label: "t", json: true, time: time)
        #expect(!json.contains("s3cr3t"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: String])
        #expect(object["level"] == "info")
        #expect(object["job.id"] == "42")
        #expect(object["url"] == "https://h/o?sig=REDACTED")
        #expect(object["time"] == "1970-01-01T00:00:00Z")
        #expect(json.hasSuffix("}\n"))
        let text = PilotLogHandler.format(level: .warning, message: "token Bearer abc", metadata: ["pid": "7"],
                                          label: "t", json: false, time: time)
        #expect(text == "1970-01-01T00:00:00Z warning token Bearer REDACTED pid=7\n")
    }
}
