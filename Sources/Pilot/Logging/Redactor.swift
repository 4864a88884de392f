/// Removes secrets from text before it is logged: signed-URL signatures and credentials, bearer
/// tokens, `Authorization` and `x-api-key` header values.
///
/// The query parameters are those of S3 SigV2/SigV4 (with STS), GCS V2/V4, Swift temp URLs and
/// nginx secure links; a value runs to the next `&`, `#`, quote or whitespace.
enum Redactor {
    /// What stands in place of a removed secret.
    static let mask = "REDACTED"

    /// Query parameters whose values are secrets, lowercased.
    static let secretParameters: Set<String> = [
        "x-amz-signature", "x-amz-security-token", "x-amz-credential", "x-goog-signature",
        "x-goog-credential", "signature", "googleaccessid", "awsaccesskeyid", "temp_url_sig",
        "sig", "md5", "token", "access_token",
    ]

    /// Header-like prefixes whose rest of line is a secret, lowercased.
    static let secretPrefixes = ["authorization:", "x-api-key:", "bearer "]

    /// The text with every secret replaced by `REDACTED`.
    static func redact(_ text: String) -> String {
        var chars = Array(text.utf8)
        chars = redactParameters(chars)
        chars = redactPrefixes(chars)
        return String(decoding: chars, as: UTF8.self)
    }

    private static func isValueEnd(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "&") || c == UInt8(ascii: "#") || c == UInt8(ascii: "\"")
            || c == UInt8(ascii: "'") || c == UInt8(ascii: " ") || c == UInt8(ascii: "\n")
            || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r")
    }

    private static func lower(_ c: UInt8) -> UInt8 {
        (c >= 65 && c <= 90) ? c + 32 : c
    }

    /// `?name=value` and `&name=value` for the secret names.
    private static func redactParameters(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var i = 0
        while i < input.count {
            let c = input[i]
            out.append(c)
            i += 1
            guard c == UInt8(ascii: "?") || c == UInt8(ascii: "&") else { continue }
            var j = i
            while j < input.count, input[j] != UInt8(ascii: "="), !isValueEnd(input[j]) { j += 1 }
            guard j < input.count, input[j] == UInt8(ascii: "=") else { continue }
            let name = String(decoding: input[i..<j].map(lower), as: UTF8.self)
            guard secretParameters.contains(name) else { continue }
            out.append(contentsOf: input[i...j])
            j += 1
            var end = j
            while end < input.count, !isValueEnd(input[end]) { end += 1 }
            if end > j { out.append(contentsOf: mask.utf8) }
            i = end
        }
        return out
    }

    /// `Authorization: ...`, `x-api-key: ...` to the end of the line; `Bearer <token>` to the next space.
    private static func redactPrefixes(_ input: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var i = 0
        outer: while i < input.count {
            for prefix in secretPrefixes {
                let p = Array(prefix.utf8)
                guard i + p.count <= input.count,
                      zip(input[i..<(i + p.count)], p).allSatisfy({ lower($0) == $1 })
                else { continue }
                out.append(contentsOf: input[i..<(i + p.count)])
                var j = i + p.count
                while j < input.count, input[j] == UInt8(ascii: " ") { out.append(input[j]); j += 1 }
                let header = prefix.hasSuffix(":")
                var end = j
                while end < input.count, input[end] != UInt8(ascii: "\n"),
                      header || !isValueEnd(input[end]) { end += 1 }
                if end > j { out.append(contentsOf: mask.utf8) }
                i = end
                continue outer
            }
            out.append(input[i])
            i += 1
        }
        return out
    }
}
