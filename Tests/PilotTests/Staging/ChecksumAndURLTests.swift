import Foundation
import Testing
@testable import Pilot

@Suite("checksums and signed URLs")
struct ChecksumAndURLTests {
    private func sums(_ text: String, md5: Bool = true) -> StreamingChecksums {
        var sums = StreamingChecksums(md5: md5)
        Array(text.utf8).withUnsafeBytes { sums.update($0) }
        return sums
    }

    @Test("Adler-32 and MD5 of known strings, zero-padded lowercase hex")
    func knownValues() {
        #expect(sums("Wikipedia").adler32Hex == "11e60398")
        #expect(sums("").adler32Hex == "00000001")
        #expect(sums("abc").finishMD5() == "900150983cd24fb0d6963f7d28e17f72")
        #expect(sums("").finishMD5() == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(sums("abc", md5: false).finishMD5() == nil)
    }

    @Test("sums over chunks equal the sum over the whole")
    func chunked() {
        let data = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }
        var whole = StreamingChecksums(md5: true)
        data.withUnsafeBytes { whole.update($0) }
        var parts = StreamingChecksums(md5: true)
        for start in stride(from: 0, to: data.count, by: 4093) {
            data[start..<min(start + 4093, data.count)].withUnsafeBytes { parts.update($0) }
        }
        #expect(parts.adler32Hex == whole.adler32Hex)
        #expect(parts.finishMD5() == whole.finishMD5())
        #expect(parts.count == 100_000)
    }

    @Test("checksum texts as PanDA and Rucio write them", arguments: [
        ("ad:0A1B2C3D", FileChecksum.adler32("0a1b2c3d")), ("adler32:0000abcd", .adler32("0000abcd")),
        ("0000abcd", .adler32("0000abcd")), ("md5:900150983cd24fb0d6963f7d28e17f72", .md5("900150983cd24fb0d6963f7d28e17f72")),
        ("900150983cd24fb0d6963f7d28e17f72", .md5("900150983cd24fb0d6963f7d28e17f72")),
    ])
    func parse(text: String, checksum: FileChecksum) throws {
        #expect(try FileChecksum(text) == checksum)
    }

    @Test("bad checksum texts are refused", arguments: ["ad:123", "md5:xyz", "sha1:0a1b2c3d", "", "ad:", "0a1b2c3g"])
    func refuse(text: String) {
        #expect(throws: FileChecksum.ParseError.self) { try FileChecksum(text) }
    }

    @Test("expiry from every signing scheme; the fragment is dropped and read")
    func expiry() {
        let sigv4 = SignedURL("https://s3.example/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T120000Z&X-Amz-Expires=600&X-Amz-SignedHeaders=host&X-Amz-Signature=abc&#multirange=false&nconnections=4")
        #expect(sigv4.expires == 1_767_268_800 + 600)
        #expect(sigv4.connections == 4)
        #expect(!sigv4.url.contains("#"))
        #expect(!sigv4.description.contains("abc"))
        #expect(SignedURL("https://g/o?GoogleAccessId=sa&Expires=1700000000&Signature=x").expires == 1_700_000_000)
        #expect(SignedURL("https://g/o?X-Goog-Date=20260101T000000Z&X-Goog-Expires=60&X-Goog-Signature=s").expires == 1_767_225_600 + 60)
        #expect(SignedURL("https://swift/v1/o?temp_url_sig=s&temp_url_expires=1800000000").expires == 1_800_000_000)
        #expect(SignedURL("http://127.0.0.1/signed/f?md5=x&expires=1900000000").expires == 1_900_000_000)
        #expect(SignedURL("http://127.0.0.1/plain/f").expires == nil)
        #expect(SignedURL("http://h/f?expires=100").secondsLeft(now: 40) == 60)
    }

    @Test("compact dates, leap years included", arguments: [
        ("19700101T000000Z", 0 as Int?), ("20000229T120000Z", 951_825_600), ("20260101T120000Z", 1_767_268_800),
        ("20261128T235959Z", 1_795_910_399), ("20261301T000000Z", nil), ("2026-01-01T00:00:00Z", nil),
    ])
    func compactDates(text: String, epoch: Int?) {
        #expect(SignedURL.parseCompactDate(text) == epoch)
    }

    @Test("an S3 presigned URL past its expiry is refused by the binary before any request (exit 81)")
    func sigV4InTheBinary() throws {
        // FoundationEssentials differs from the test process's Foundation: run the real binary.
        let url = "http://127.0.0.1:1/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20200101T000000Z&X-Amz-Expires=600&X-Amz-SignedHeaders=host&X-Amz-Signature=deadbeef"
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("pilot-sigv4-\(UUID().uuidString)").path
        let result = try PilotBinary.run(["stage", "get", url, out])
        #expect(result.status == 81)
        #expect(result.stderr.contains("X-Amz-Signature=REDACTED") && !result.stderr.contains("deadbeef"))
    }

    @Test("a file that cannot arrive before the signature expires is refused up front")
    func timeBudget() throws {
        let url = SignedURL("http://h/f?md5=x&expires=1060")
        try url.checkTime(for: 50_000_000, minimumRate: 1_000_000, now: 1000)
        #expect(throws: StagingError.self) { try url.checkTime(for: 70_000_000, minimumRate: 1_000_000, now: 1000) }
        #expect(throws: StagingError.self) { try url.checkTime(for: 1, minimumRate: 1_000_000, now: 1060) }
        try SignedURL("http://h/f").checkTime(for: 1 << 40, minimumRate: 1, now: 0)
    }

    @Test("403 and 400 bodies: expired is told apart from a refused signature", arguments: [
        (403, "<Error><Code>AccessDenied</Code><Message>Request has expired</Message><Expires>x</Expires></Error>", true, nil as String?),
        (400, "<Error><Code>ExpiredToken</Code><Message>The provided token has expired.</Message></Error>", true, nil),
        (403, "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error>", false, "SignatureDoesNotMatch"),
        (403, "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>", false, "AccessDenied"),
        (403, "", false, nil),
    ])
    func refusals(status: Int, body: String, expired: Bool, code: String?) {
        let error = SignedURLDownloader.refusal(status: status, body: body, url: "u")
        if expired {
            guard case .expired = error else { Issue.record("expected expired, got \(error)"); return }
        } else {
            #expect(error == .forbidden(url: "u", status: status, code: code))
        }
    }
}

@Suite("progress line")
struct TransferProgressTests {
    @Test("bytes, percent, ETA and rate")
    func line() {
        let text = TransferProgress.line(label: "f.root", bytes: 512 << 20, total: 1 << 30, elapsed: .seconds(2))
        #expect(text == "f.root  512 MiB / 1 GiB  50%  ETA 2 s  268.44 MB/s")
        #expect(TransferProgress.line(label: "x", bytes: 0, total: nil, elapsed: .zero) == "x  0 B  0 MB/s")
    }
}
