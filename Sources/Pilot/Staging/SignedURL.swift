import FoundationEssentials

/// A signed object-store URL: what to send, what may be logged, and until when it is valid.
struct SignedURL: Sendable, Equatable, CustomStringConvertible {
    /// The URL as sent: without its fragment, which libcurl would not send anyway.
    var url: String
    /// Parallel streams asked for by Rucio's `#multirange=false&nconnections=N` fragment.
    var connections: Int?
    /// When the signature stops being accepted, in seconds since the epoch; nil when unknown.
    var expires: Int?

    /// Parses the URL; the fragment is dropped after its `nconnections` is read.
    init(_ text: String) {
        var base = Substring(text)
        var fragment: Substring = ""
        if let hash = text.firstIndex(of: "#") {
            base = text[..<hash]
            fragment = text[text.index(after: hash)...]
        }
        url = String(base)
        let fragmentItems = Self.items(fragment)
        connections = fragmentItems["nconnections"].flatMap { Int($0) }
        let query = base.firstIndex(of: "?").map { base[base.index(after: $0)...] } ?? ""
        expires = Self.expiry(Self.items(query))
    }

    /// The URL with every secret replaced: the only form that may reach a log line.
    var description: String { Redactor.redact(url) }

    /// Refuses a URL whose signature has already expired: the server would answer 403 anyway.
    func checkNotExpired(now: Int) throws(StagingError) {
        if isExpired(now: now), let left = secondsLeft(now: now) {
            throw .expired(url: description, detail: "it expired \(-left) s ago, before the transfer started")
        }
    }

    /// Refuses a transfer of `size` bytes that cannot finish before the signature expires at
    /// `minimumRate` bytes/s: a resume or retry after the expiry would be refused anyway.
    func checkTime(for size: Int, minimumRate: Double, now: Int) throws(StagingError) {
        try checkNotExpired(now: now)
        guard let left = secondsLeft(now: now), minimumRate > 0 else { return }
        let needed = Double(size) / minimumRate
        if needed > Double(left) {
            throw .expired(url: description, detail: "\(size) bytes need \(Int(needed.rounded(.up))) s at \(Int(minimumRate)) B/s, the signature has \(left) s left")
        }
    }

    /// Seconds left before it expires at `now`; nil when the expiry is unknown.
    func secondsLeft(now: Int) -> Int? { expires.map { $0 - now } }

    /// The signature has expired at `now` (never, when the expiry is unknown).
    func isExpired(now: Int) -> Bool { (secondsLeft(now: now) ?? 1) <= 0 }

    /// Reads `k=v&k=v` (query or fragment) with lowercased keys; values are percent-decoded.
    static func items(_ text: Substring) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = parts.first, !key.isEmpty else { continue }
            result[key.lowercased()] = parts.count > 1 ? percentDecoded(parts[1]) : ""
        }
        return result
    }

    /// The expiry of S3 SigV4 (`X-Amz-Date` + `X-Amz-Expires`), GCS V4 (`X-Goog-…`), S3 SigV2 and
    /// GCS V2 (`Expires`), Swift (`temp_url_expires`) and nginx secure links (`expires`).
    static func expiry(_ items: [String: String]) -> Int? {
        for prefix in ["x-amz-", "x-goog-"] {
            if let date = items[prefix + "date"].flatMap(parseCompactDate),
               let lifetime = items[prefix + "expires"].flatMap({ Int($0) }) {
                return date + lifetime
            }
        }
        for key in ["expires", "temp_url_expires"] {
            if let epoch = items[key].flatMap({ Int($0) }) { return epoch }
        }
        return nil
    }

    /// `20260101T120000Z` as seconds since the epoch.
    ///
    /// Computed directly (days from the civil date): FoundationEssentials has no time-zone
    /// database, so a UTC `Calendar` cannot be relied on in the static binary.
    static func parseCompactDate(_ text: String) -> Int? {
        let digits = Array(text.utf8)
        guard digits.count == 16, digits[8] == UInt8(ascii: "T"), digits[15] == UInt8(ascii: "Z") else { return nil }
        var values: [Int] = []
        for index in Array(0..<8) + Array(9..<15) {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digits[index]) else { return nil }
            values.append(Int(digits[index] - UInt8(ascii: "0")))
        }
        func number(_ range: Range<Int>) -> Int { range.reduce(0) { $0 * 10 + values[$1] } }
        let (year, month, day) = (number(0..<4), number(4..<6), number(6..<8))
        let (hour, minute, second) = (number(8..<10), number(10..<12), number(12..<14))
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        return daysFromCivil(year: year, month: month, day: day) * 86400 + hour * 3600 + minute * 60 + second
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
               let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
                bytes.append(value)
            } else {
                bytes.append(byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
