import FoundationEssentials

/// A data identifier, `scope:name`.
struct RucioDID: Sendable, Hashable, CustomStringConvertible, Codable {
    var scope: String
    var name: String

    /// A DID from its parts.
    init(scope: String, name: String) {
        self.scope = scope
        self.name = name
    }

    /// Parses `scope:name`; a text without a scope is refused (Rucio's own scope extraction
    /// guesses from the name, which the pilot should never do).
    init(_ text: String) throws(RucioError) {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex, text.index(after: colon) != text.endIndex else {
            throw .invalidRequest("\(text) is not a DID: expected SCOPE:NAME")
        }
        scope = String(text[..<colon])
        name = String(text[text.index(after: colon)...])
    }

    var description: String { "\(scope):\(name)" }
}

/// One file as `list_replicas` describes it: catalogue facts and where it can be read, best first.
struct RucioFileReplicas: Sendable, Equatable {
    /// One URL for the file on one RSE.
    struct Source: Sendable, Equatable {
        /// The URL as Rucio gave it: signed where the RSE signs.
        var url: String
        var rse: String
        /// Rucio's rank for it (1 is best); the order of the reply when Rucio gave none.
        var priority: Int
        /// `wan` or `lan`.
        var domain: String?
    }

    var did: RucioDID
    var bytes: Int?
    var adler32: String?
    var md5: String?
    /// The URLs, in Rucio's order (by `priority`).
    var sources: [Source]
    /// The RSEs holding a replica, with its state (`AVAILABLE`), URL or not: tells "no replica"
    /// from "no URL" (an RSE that could not sign).
    var states: [String: String]

    /// The catalogue checksum: Adler-32 when Rucio has one, else MD5.
    var checksum: FileChecksum? {
        if let adler32, let value = try? FileChecksum("ad:" + adler32) { return value }
        if let md5, let value = try? FileChecksum("md5:" + md5) { return value }
        return nil
    }
}

/// Parses `POST /replicas/list` replies: the JSON stream (one object per file per line) or a
/// metalink document, whichever the server sent.
enum RucioReplicaParser {
    /// The files of a reply whose `Content-Type` is `contentType`.
    static func parse(_ body: String, contentType: String?) throws(RucioError) -> [RucioFileReplicas] {
        let trimmed = body.trimmed
        if (contentType ?? "").contains("metalink") || trimmed.hasPrefix("<") {
            return try parseMetalink(trimmed)
        }
        return try parseJSONStream(trimmed)
    }

    // MARK: JSON stream

    private struct JSONFile: Decodable {
        var scope: String
        var name: String
        var bytes: Int?
        var adler32: String?
        var md5: String?
        var pfns: [String: JSONSource]?
        var states: [String: String]?
    }

    private struct JSONSource: Decodable {
        var rse: String?
        var priority: Int?
        var domain: String?
        var type: String?
    }

    /// `application/x-json-stream`: one JSON object per line. The URL is the key of `pfns`.
    static func parseJSONStream(_ body: String) throws(RucioError) -> [RucioFileReplicas] {
        var files: [RucioFileReplicas] = []
        for line in body.split(whereSeparator: \.isNewline) where !line.trimmed.isEmpty {
            let file: JSONFile
            do { file = try JSONDecoder().decode(JSONFile.self, from: Data(line.utf8)) } catch {
                throw .invalidReply(call: "POST /replicas/list", reason: "a line is not a file's replicas: \(error)")
            }
            let sources = (file.pfns ?? [:]).map { url, source in
                RucioFileReplicas.Source(url: url, rse: source.rse ?? "?", priority: source.priority ?? Int.max, domain: source.domain)
            }
            files.append(RucioFileReplicas(
                did: RucioDID(scope: file.scope, name: file.name), bytes: file.bytes,
                adler32: file.adler32, md5: file.md5, sources: ordered(sources), states: file.states ?? [:]))
        }
        return files
    }

    /// By priority; equal priorities (or none) by RSE name, so the order is reproducible (a
    /// JSON object's key order is not kept by the decoder).
    static func ordered(_ sources: [RucioFileReplicas.Source]) -> [RucioFileReplicas.Source] {
        sources.sorted { ($0.priority, $0.rse, $0.url) < ($1.priority, $1.rse, $1.url) }
    }

    // MARK: Metalink

    /// `application/metalink4+xml`: `<file>` elements with `<identity>`, `<hash>`, `<size>` and
    /// `<url location= domain= priority=>`, entities escaped. Order of the `<url>`s is Rucio's.
    static func parseMetalink(_ body: String) throws(RucioError) -> [RucioFileReplicas] {
        guard body.contains("<metalink") else {
            throw .invalidReply(call: "POST /replicas/list", reason: "not a metalink document")
        }
        var files: [RucioFileReplicas] = []
        var rest = Substring(body)
        while let open = rest.firstRange(of: "<file "), let close = rest[open.upperBound...].firstRange(of: "</file>") {
            let element = rest[open.lowerBound..<close.upperBound]
            rest = rest[close.upperBound...]
            let identity = text(of: "identity", in: element) ?? ""
            let did: RucioDID
            do { did = try RucioDID(identity) } catch {
                throw .invalidReply(call: "POST /replicas/list", reason: "a metalink file without scope:name identity")
            }
            var sources: [RucioFileReplicas.Source] = []
            var cursor = element[...]
            while let start = cursor.firstRange(of: "<url"), let end = cursor[start.upperBound...].firstRange(of: "</url>") {
                let tag = cursor[start.upperBound...]
                guard let tagEnd = tag.firstIndex(of: ">"), tagEnd < end.lowerBound else { break }
                let attributes = tag[..<tagEnd]
                let url = unescape(String(cursor[cursor.index(after: tagEnd)..<end.lowerBound]).trimmed)
                sources.append(.init(url: url, rse: attribute("location", in: attributes) ?? "?",
                                     priority: attribute("priority", in: attributes).flatMap { Int($0) } ?? sources.count + 1,
                                     domain: attribute("domain", in: attributes)))
                cursor = cursor[end.upperBound...]
            }
            files.append(RucioFileReplicas(
                did: did, bytes: text(of: "size", in: element).flatMap { Int($0) },
                adler32: hash("adler32", in: element), md5: hash("md5", in: element),
                sources: sources.enumerated().sorted { ($0.element.priority, $0.offset) < ($1.element.priority, $1.offset) }.map(\.element),
                states: Dictionary(sources.map { ($0.rse, "AVAILABLE") }, uniquingKeysWith: { first, _ in first })))
        }
        return files
    }

    private static func text(of element: String, in xml: Substring) -> String? {
        guard let open = xml.firstRange(of: "<\(element)"), let gt = xml[open.upperBound...].firstIndex(of: ">"),
              let close = xml[gt...].firstRange(of: "</\(element)>")
        else { return nil }
        return unescape(String(xml[xml.index(after: gt)..<close.lowerBound]).trimmed)
    }

    private static func hash(_ type: String, in xml: Substring) -> String? {
        var rest = xml
        while let open = rest.firstRange(of: "<hash"), let gt = rest[open.upperBound...].firstIndex(of: ">"),
              let close = rest[gt...].firstRange(of: "</hash>") {
            if attribute("type", in: rest[open.upperBound..<gt]) == type {
                return String(rest[rest.index(after: gt)..<close.lowerBound]).trimmed
            }
            rest = rest[close.upperBound...]
        }
        return nil
    }

    private static func attribute(_ name: String, in tag: Substring) -> String? {
        guard let start = tag.firstRange(of: " \(name)=\"") else { return nil }
        let value = tag[start.upperBound...]
        guard let end = value.firstIndex(of: "\"") else { return nil }
        return unescape(String(value[..<end]))
    }

    /// XML's five predefined entities.
    static func unescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacing("&lt;", with: "<").replacing("&gt;", with: ">").replacing("&quot;", with: "\"")
            .replacing("&apos;", with: "'").replacing("&amp;", with: "&")
    }
}
