import FoundationEssentials

/// A Rucio auth token (`X-Rucio-Auth-Token`) and when it stops being accepted.
struct RucioToken: Sendable, Equatable, CustomStringConvertible {
    /// The token as sent back (`<account>-<identity>-<appid>-<32 hex>`, or an OIDC JWT).
    var value: String
    /// Seconds since the epoch; nil when the server did not say.
    var expires: Int?
    /// The account Rucio authenticated (`X-Rucio-Auth-Account`).
    var account: String?
    /// Where an OIDC access token came from, for errors: its file (or `BEARER_TOKEN`), issuer
    /// and subject; never the token.
    var origin: String?

    /// Renewed this long before it expires, so no call starts with a token about to lapse.
    static let renewalMargin = 300

    /// Never the token itself: it is a credential.
    var description: String {
        "token for \(account ?? "?")\(expires.map { ", expires at \($0)" } ?? "")"
    }

    /// Whether it should be renewed before a call at `now`: expired, or within the margin (a
    /// tenth of a short lifetime at most, so a token of minutes is still used).
    func needsRenewal(now: Int, issuedAt: Int? = nil) -> Bool {
        guard let expires else { return false }
        var margin = Self.renewalMargin
        if let issuedAt, expires > issuedAt { margin = min(margin, (expires - issuedAt) / 10) }
        return expires - now <= margin
    }

    /// The token from `/auth/*` reply headers (names lowercased); nil when there is none.
    static func from(headers: [String: String]) -> RucioToken? {
        guard let value = headers["x-rucio-auth-token"], !value.isEmpty else { return nil }
        return RucioToken(value: value, expires: headers["x-rucio-auth-token-expires"].flatMap(parseHTTPDate),
                          account: headers["x-rucio-auth-account"])
    }

    /// `Sat, 28 Nov 2026 13:41:43 UTC` (Rucio writes `UTC`; HTTP dates say `GMT`) as seconds
    /// since the epoch; nil when it is not such a date.
    static func parseHTTPDate(_ text: String) -> Int? {
        let parts = text.split(separator: " ").map(String.init)
        guard parts.count == 6, ["UTC", "GMT"].contains(parts[5]),
              let day = Int(parts[1]), let year = Int(parts[3]),
              let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
                .firstIndex(of: parts[2]).map({ $0 + 1 })
        else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3, (1...31).contains(day), clock[0] < 24, clock[1] < 60, clock[2] < 61 else { return nil }
        return SignedURL.daysFromCivil(year: year, month: month, day: day) * 86400 + clock[0] * 3600 + clock[1] * 60 + clock[2]
    }

    /// The claims of a JWT (its payload, base64url JSON, an OIDC access token), read without
    /// checking the signature: Rucio checks it; the pilot needs `exp` (when to read the token file
    /// again), `iss` and `sub` (for messages). Nil when it is not one.
    static func jwtClaims(_ token: String) -> JSONValue? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var payload = String(parts[1].map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        while payload.count % 4 != 0 { payload += "=" }
        guard let data = Data(base64Encoded: payload), let claims = JSONValue.parse(String(decoding: data, as: UTF8.self)),
              case .object = claims
        else { return nil }
        return claims
    }
}
