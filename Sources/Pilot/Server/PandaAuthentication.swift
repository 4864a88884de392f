#if canImport(Glibc)
import Glibc
#endif

/// How the pilot proves who it is to PanDA (PANDA.md §3): an OIDC token file sent as a bearer
/// token with its `Origin`, an X.509 proxy as the TLS client certificate, or both.
///
/// The token file is read again before every call: tokens are short-lived and Harvester replaces
/// the file in place while the pilot runs. Its content never reaches a log.
struct PandaAuthentication: Sendable, Equatable {
    /// The token file: a name looked up in `tokenDirectories`, or an absolute path.
    var tokenName: String?
    /// Where a relative token name is looked for, in order.
    var tokenDirectories: [String] = []
    /// The `Origin` header sent with the token (`atlas.pilot`, `vo:role`).
    var origin: String?
    /// The X.509 proxy: certificate and key in one PEM file (`X509_USER_PROXY`).
    var proxyPath: String?

    /// What the environment says, as pilot3 reads it: `OIDC_AUTH_TOKEN` or `PANDA_AUTH_TOKEN` (the
    /// file name), `OIDC_AUTH_ORIGIN` or `PANDA_AUTH_ORIGIN`, the file in `OIDC_AUTH_DIR` or
    /// `PANDA_AUTH_DIR`, then `PILOT_SOURCE_DIR`, `PILOT_WORK_DIR`; `X509_USER_PROXY`.
    static func fromEnvironment(_ environment: [String: String]) -> PandaAuthentication {
        func first(_ names: String...) -> String? {
            names.lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
        }
        return PandaAuthentication(
            tokenName: first("OIDC_AUTH_TOKEN", "PANDA_AUTH_TOKEN"),
            tokenDirectories: [first("OIDC_AUTH_DIR", "PANDA_AUTH_DIR"), first("PILOT_SOURCE_DIR"), first("PILOT_WORK_DIR")]
                .compactMap { $0 },
            origin: first("OIDC_AUTH_ORIGIN", "PANDA_AUTH_ORIGIN"),
            proxyPath: first("X509_USER_PROXY")
        )
    }

    /// The token file's path: an absolute name as it is, else the first directory holding it;
    /// nil when no token is configured or none of the directories has it.
    func tokenPath(exists: (String) -> Bool = { access($0, R_OK) == 0 }) -> String? {
        guard let tokenName else { return nil }
        if tokenName.hasPrefix("/") { return exists(tokenName) ? tokenName : nil }
        return tokenDirectories.map { $0.hasSuffix("/") ? $0 + tokenName : $0 + "/" + tokenName }.first(where: exists)
    }

    /// The header lines for one call: `Authorization: Bearer …` and `Origin: …` when a token is
    /// configured, read from disk now. A configured token that cannot be read is an error rather
    /// than a call without it, which the server would refuse less clearly.
    func headers() throws(ServerError) -> [String] {
        guard let tokenName else { return [] }
        guard let path = tokenPath() else {
            let places = tokenName.hasPrefix("/") ? tokenName : "\(tokenName) in \(tokenDirectories.joined(separator: ", "))"
            throw .credentials("token file not found: \(places)")
        }
        let text: String
        do { text = try FileReader.readString(path, limit: 1 << 20) } catch {
            throw .credentials("cannot read the token file: \(error)")
        }
        guard let token = Self.token(fromFileText: text) else {
            throw .credentials("the token file \(path) is empty")
        }
        return ["Authorization: Bearer \(token)"] + (origin.map { ["Origin: \($0)"] } ?? [])
    }

    /// The token in a file's text: the text without surrounding whitespace (files end in a
    /// newline); nil when nothing is left or it would break the header line.
    static func token(fromFileText text: String) -> String? {
        let token = text.trimmed
        guard !token.isEmpty, !token.contains(where: { $0.isNewline }) else { return nil }
        return token
    }
}
