import Foundation
import Logging
import Synchronization
import Testing
@testable import Pilot

/// The Rucio client's pure parts: replies as Rucio 41.5.1 writes them (captured from the test
/// server), the token header, the replica order, settings and error codes.
@Suite("Rucio replies, tokens and ordering")
struct RucioParserTests {
    /// A `/replicas/list` JSON-stream line as Rucio 41.5.1 wrote it (signature shortened).
    static let jsonLine = """
        {"scope": "user.pilot", "name": "f1.root", "bytes": 300000, "md5": "fc79e54067ada45ff55410ab2bd766bd", "adler32": "61fd70e6", \
        "pfns": {"https://localhost:45661/b/s3/user/pilot/f5/c7/f1.root?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20261128T182717Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=b3f9": \
        {"rse_id": "3a37", "rse": "S3_SCRATCHDISK", "type": "DISK", "volatile": false, "domain": "wan", "priority": 3, "client_extract": false}, \
        "https://localhost:45661/b-missing/user/pilot/f5/c7/f1.root?X-Amz-Signature=aa": \
        {"rse_id": "aa50", "rse": "MISSING_SCRATCHDISK", "type": "DISK", "volatile": false, "domain": "wan", "priority": 1, "client_extract": false}, \
        "https://localhost:45661/b/far/user/pilot/f5/c7/f1.root?X-Amz-Signature=bb": \
        {"rse_id": "9245", "rse": "FAR_SCRATCHDISK", "type": "DISK", "volatile": false, "domain": "wan", "priority": 2, "client_extract": false}}, \
        "rses": {}, "states": {"S3_SCRATCHDISK": "AVAILABLE", "FAR_SCRATCHDISK": "AVAILABLE", "MISSING_SCRATCHDISK": "AVAILABLE", "NOCREDS_SCRATCHDISK": "AVAILABLE"}}
        """

    /// The same file as metalink (Accept: application/metalink4+xml), `&amp;` escaped.
    static let metalink = """
        <?xml version="1.0" encoding="UTF-8"?>
        <metalink xmlns="urn:ietf:params:xml:ns:metalink">
         <file name="f1.root">
          <identity>user.pilot:f1.root</identity>
          <hash type="adler32">61fd70e6</hash>
          <hash type="md5">fc79e54067ada45ff55410ab2bd766bd</hash>
          <size>300000</size>
          <glfn name="/generic/rucio/user.pilot:f1.root"></glfn>
          <url location="FAR_SCRATCHDISK" domain="wan" priority="2" client_extract="false">https://localhost:45661/b/far/f1.root?X-Amz-Algorithm=AWS4-HMAC-SHA256&amp;X-Amz-Expires=600&amp;X-Amz-Signature=19</url>
          <url location="MISSING_SCRATCHDISK" domain="wan" priority="1" client_extract="false">https://localhost:45661/b-missing/f1.root?X-Amz-Signature=aa</url>
         </file>
        </metalink>
        """

    @Test("a JSON-stream reply: catalogue facts, URLs (the keys of pfns) in Rucio's priority order, states")
    func jsonStream() throws {
        let files = try RucioReplicaParser.parse(Self.jsonLine + "\n", contentType: "application/x-json-stream")
        let file = try #require(files.first)
        #expect(files.count == 1)
        #expect(file.did == RucioDID(scope: "user.pilot", name: "f1.root"))
        #expect(file.bytes == 300000)
        #expect(file.checksum == .adler32("61fd70e6"))
        #expect(file.sources.map(\.rse) == ["MISSING_SCRATCHDISK", "FAR_SCRATCHDISK", "S3_SCRATCHDISK"])
        #expect(file.sources[2].url.hasSuffix("X-Amz-Signature=b3f9"))
        #expect(file.states.count == 4)
        #expect(try RucioReplicaParser.parse("", contentType: "application/x-json-stream").isEmpty)
        #expect(throws: RucioError.self) { try RucioReplicaParser.parse("{not json", contentType: nil) }
    }

    @Test("a metalink reply: identity, hashes, size, <url>s by priority with entities unescaped")
    func metalinkReply() throws {
        let files = try RucioReplicaParser.parse(Self.metalink, contentType: "application/metalink4+xml")
        let file = try #require(files.first)
        #expect(file.did.description == "user.pilot:f1.root")
        #expect(file.adler32 == "61fd70e6")
        #expect(file.md5 == "fc79e54067ada45ff55410ab2bd766bd")
        #expect(file.bytes == 300000)
        #expect(file.sources.map(\.rse) == ["MISSING_SCRATCHDISK", "FAR_SCRATCHDISK"])
        #expect(file.sources[1].url == "https://localhost:45661/b/far/f1.root?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=600&X-Amz-Signature=19")
        #expect(file.sources[1].domain == "wan")
    }

    @Test("the token headers of /auth/userpass: the value, the account and Rucio's 'UTC' expiry date")
    func tokenHeaders() throws {
        let token = try #require(RucioToken.from(headers: [
            "x-rucio-auth-token": "pilot-CN=Pilot Tester,OU=Users,O=Test Grid,C=CH-unknown-a34d82cf81fb4dd28a6bde2a138ceef2",
            "x-rucio-auth-token-expires": "Sat, 28 Nov 2026 19:28:00 UTC", "x-rucio-auth-account": "pilot",
        ]))
        #expect(token.account == "pilot")
        #expect(token.expires == 1_795_894_080)
        #expect(!token.description.contains("a34d82cf"))
        #expect(RucioToken.parseHTTPDate("Thu, 01 Jan 1970 00:00:10 GMT") == 10)
        #expect(RucioToken.parseHTTPDate("2026-11-28 19:28:00") == nil)
        #expect(RucioToken.from(headers: [:]) == nil)
    }

    @Test("a token is renewed within 5 minutes of its expiry (a tenth of a short lifetime)")
    func renewal() {
        let hour = RucioToken(value: "t", expires: 10_000, account: "pilot")
        #expect(!hour.needsRenewal(now: 10_000 - 301, issuedAt: 10_000 - 3600))
        #expect(hour.needsRenewal(now: 10_000 - 300, issuedAt: 10_000 - 3600))
        #expect(hour.needsRenewal(now: 10_001, issuedAt: 10_000 - 3600))
        let minute = RucioToken(value: "t", expires: 1060, account: nil)
        #expect(!minute.needsRenewal(now: 1050, issuedAt: 1000))
        #expect(minute.needsRenewal(now: 1055, issuedAt: 1000))
        #expect(!RucioToken(value: "t", expires: nil).needsRenewal(now: .max))
    }

    @Test("an OIDC access token's exp claim is read without its signature")
    func jwtExpiry() {
        let payload = Data(#"{"sub":"pilot","exp":1795894080,"aud":"rucio"}"#.utf8).base64EncodedString()
            .replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        #expect(RucioToken.jwtClaims("eyJhbGciOiJSUzI1NiJ9.\(payload).c2ln")?["exp"]?.integer == 1_795_894_080)
        #expect(RucioToken.jwtClaims("not-a-jwt") == nil)
    }

    @Test("replicas in this node's region first, then its cloud, then Rucio's order")
    func regionPreference() {
        let sources = ["A", "B", "C", "D"].enumerated().map {
            RucioFileReplicas.Source(url: "https://\($0.element)/f", rse: $0.element, priority: $0.offset + 1, domain: "wan")
        }
        let attributes = [
            "A": ["region": "eu-west-2", "cloud": "aws"], "B": ["region": "us-central1", "cloud": "gcp"],
            "C": ["region": "us-east-1", "cloud": "aws"], "D": [:],
        ]
        let inRegion = ReplicaPreference(location: NodeLocation(region: "US-EAST-1", cloud: "aws"))
        #expect(inRegion.order(sources, attributes: attributes).map(\.rse) == ["C", "A", "B", "D"])
        let gcp = ReplicaPreference(location: NodeLocation(region: "europe-west4", cloud: "gcp"))
        #expect(gcp.order(sources, attributes: attributes).map(\.rse) == ["B", "A", "C", "D"])
        let nowhere = ReplicaPreference(location: NodeLocation())
        #expect(nowhere.order(sources, attributes: attributes).map(\.rse) == ["A", "B", "C", "D"])
        #expect(!inRegion.crossesRegion(attributes: attributes["C"]))
        #expect(inRegion.crossesRegion(attributes: attributes["A"]))
        #expect(inRegion.crossesRegion(attributes: nil))
    }

    @Test("the node's region: configured, else the labels file, else the cloud's variables")
    func nodeLocation() {
        let labels = """
            kubernetes.io/hostname="node-1"
            topology.kubernetes.io/region="eu-west-2"
            topology.kubernetes.io/zone="eu-west-2a"
            """
        var settings = RucioSettings()
        let fromLabels = NodeLocation.detect(settings: settings, environment: ["AWS_REGION": "us-east-1"], labels: labels)
        #expect(fromLabels.region == "eu-west-2")
        let fromEnvironment = NodeLocation.detect(settings: settings, environment: ["AWS_REGION": "us-east-1"], labels: nil)
        #expect(fromEnvironment == NodeLocation(region: "us-east-1", cloud: "aws", source: "AWS_REGION"))
        settings.region = "us-west-2"
        #expect(NodeLocation.detect(settings: settings, environment: ["AWS_REGION": "us-east-1"], labels: labels).region == "us-west-2")
        #expect(NodeLocation.detect(settings: RucioSettings(), environment: [:], labels: nil).region == nil)
    }

    @Test("signed and unsigned URLs, DIDs, URL encoding")
    func urlsAndDIDs() throws {
        #expect(RucioStageIn.isSigned("https://h/b/k?X-Amz-Algorithm=A&X-Amz-Signature=00"))
        #expect(RucioStageIn.isSigned("https://h/k?GoogleAccessId=a&Expires=1&Signature=x"))
        #expect(RucioStageIn.isSigned("https://h/k?temp_url_sig=a&temp_url_expires=1"))
        #expect(!RucioStageIn.isSigned("https://localhost:4566/b/s3/user/pilot/f5/c7/f1.root"))
        #expect(!RucioStageIn.isSigned("https://h/k#X-Amz-Signature=00"))
        #expect(try RucioDID("user.pilot:a:b.root") == RucioDID(scope: "user.pilot", name: "a:b.root"))
        #expect(throws: RucioError.self) { try RucioDID("nodid.root") }
        #expect(throws: RucioError.self) { try RucioDID(":x") }
        #expect(RucioURLEncoding.encode("user.pilot:f 1/é") == "user.pilot%3Af%201%2F%C3%A9")
    }

    @Test("PILOT_RUCIO_* variables, flags over them, and the checks")
    func settingsLayers() throws {
        let environment = [
            "PILOT_RUCIO_SERVER_URL": "https://rucio.example.org/", "PILOT_RUCIO_ACCOUNT": "pilot",
            "PILOT_RUCIO_AUTH_TYPE": "USERPASS", "PILOT_RUCIO_SIGNATURE_LIFETIME": "3600",
            "PILOT_RUCIO_SCHEMES": "https, davs", "PILOT_RUCIO_TRACE_URL": "", "PILOT_RUCIO_REGION": "",
        ]
        var flags = RucioSettingsLayer()
        flags.account = "robot"
        let settings = try RucioSettings.resolve(environment: environment, flags: flags)
        #expect(settings.serverURL == "https://rucio.example.org/")
        #expect(settings.account == "robot")
        #expect(settings.authType == .userpass)
        #expect(settings.signatureLifetime == 3600)
        #expect(settings.schemes == ["https", "davs"])
        #expect(settings.region == nil)
        #expect(settings.tracesEndpoint == nil)
        #expect(RucioSettings(serverURL: "https://r.example.org/").tracesEndpoint == "https://r.example.org/traces/")
        #expect(throws: ConfigurationError.self) { try RucioSettingsLayer.environment(["PILOT_RUCIO_AUTH_TYPE": "kerberos"]) }
        #expect(throws: RucioError.self) { try RucioSettings(serverURL: "rucio.example.org").validate() }
        let decoded = try JSONDecoder().decode(RucioSettingsLayer.self, from: Data(#"{"server_url": "https://r", "auth_type": "x509_proxy", "region": "us-east-1"}"#.utf8))
        #expect(decoded.authType == .x509Proxy && decoded.region == "us-east-1")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(RucioSettingsLayer.self, from: Data(#"{"sever_url": "x"}"#.utf8)) }
    }

    @Test("each error has a PanDA pilot error code and an exit code")
    func errorCodes() {
        let expired = StagingError.expired(url: "u", detail: "d")
        let table: [(RucioError, PilotErrorCode, PilotErrorCode, PilotExitCode)] = [
            (.didNotFound(did: "s:n"), .replicaNotFound, .stageOutFailed, .notFound),
            (.noURL(did: "s:n", rses: ["R"], schemes: ["https"]), .replicaNotFound, .stageOutFailed, .notFound),
            (.unsignedURL(did: "s:n", rse: "R", account: "a"), .stageInFailed, .stageOutFailed, .forbidden),
            (.signingRefused(rse: "R", operation: "write", account: "a", message: "m"), .stageInFailed, .stageOutFailed, .forbidden),
            (.authenticationFailed(account: "a", method: "userpass", reason: "r"), .noProxy, .noProxy, .forbidden),
            (.allReplicasFailed(did: "s:n", failures: [], last: .checksumMismatch(url: "u", expected: "e", actual: "a")),
             .getADMismatch, .getADMismatch, .checksumMismatch),
            (.allReplicasFailed(did: "s:n", failures: [], last: expired), .stageInFailed, .stageInFailed, .urlExpired),
            (.registrationMismatch(did: "s:n", expected: "e", registered: "r"), .putADMismatch, .putADMismatch, .checksumMismatch),
            (.uploadFailed(did: "s:n", rse: "R", error: expired), .stageOutFailed, .stageOutFailed, .urlExpired),
            (.unreachable(url: "u", reason: "r"), .stageInFailed, .stageOutFailed, .unavailable),
        ]
        for (error, stageIn, stageOut, exit) in table {
            #expect(error.pilotErrorCode() == stageIn, "\(error)")
            #expect(error.pilotErrorCode(stageOut: true) == stageOut, "\(error)")
            #expect(error.exitCode == exit, "\(error)")
        }
    }

    @Test("a trace carries the URL redacted and a 32-hex uuid")
    func traceRedaction() throws {
        let trace = RucioTrace.make(
            put: false, did: RucioDID(scope: "user.pilot", name: "f.root"), rse: "S3_SCRATCHDISK", dataset: nil,
            guid: "7601DB4B-DBF3-4FE9-82C4-E85E76370E53", size: 10,
            url: "https://h/k?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=deadbeef", start: 1, transferStart: 1, end: 2,
            state: "DONE", reason: "OK", settings: RucioSettings(), account: "pilot", localSite: "SITE", region: nil)
        let text = String(decoding: try JSONEncoder().encode(trace), as: UTF8.self)
        #expect(!text.contains("deadbeef") && !text.contains("AKIA"))
        #expect(trace.eventType == "get_sm" && trace.dataset == "")
        #expect(trace.uuid.count == 32 && trace.guid == "7601db4bdbf34fe982c4e85e76370e53")
    }

    @Test("a cached token is reused; a 401 CannotAuthenticate fetches one new token and retries once")
    func tokenCache() throws {
        let http = ScriptedRucioHTTP()
        var settings = RucioSettings(serverURL: "http://rucio.test", account: "pilot", authType: .userpass)
        settings.password = "secret"
        let client = try RucioClient(settings: settings, environment: [:], logger: Logger(label: "test"), http: http)
        http.answers = { request, tokens in
            if request.url.hasSuffix("/auth/userpass") {
                #expect(request.headers.contains("X-Rucio-Password: secret"))
                return RucioHTTPResponse(status: 200, headers: [
                    "x-rucio-auth-token": "pilot-pilot-unknown-\(tokens)", "x-rucio-auth-token-expires": "Sat, 28 Nov 2099 19:28:00 UTC",
                ], body: "", curlCode: 0, message: "")
            }
            // The first token is refused once, as after a server restart.
            if request.headers.contains("X-Rucio-Auth-Token: pilot-pilot-unknown-1") {
                return RucioHTTPResponse(status: 401, headers: [:],
                                         body: #"{"ExceptionClass": "CannotAuthenticate", "ExceptionMessage": "expired"}"#,
                                         curlCode: 0, message: "")
            }
            return RucioHTTPResponse(status: 200, headers: [:], body: #"{"region": "us-east-1", "sign_url": "s3", "X": true}"#,
                                     curlCode: 0, message: "")
        }
        let attributes = try client.rseAttributes("S3_SCRATCHDISK")
        #expect(attributes == ["region": "us-east-1", "sign_url": "s3", "X": "true"])
        _ = try client.call(.get, "/rses/OTHER/attr/")
        #expect(client.authenticator.fetchCount == 2)
        #expect(http.requests.filter { $0.url.hasSuffix("/auth/userpass") }.count == 2)
    }
}

/// A `RucioHTTP` answering from a closure, counting the tokens it handed out.
final class ScriptedRucioHTTP: RucioHTTP, @unchecked Sendable {
    // @unchecked: every field is behind `lock`.
    private let lock = Mutex<(requests: [RucioHTTPRequest], tokens: Int)>(([], 0))
    private let script = Mutex<(@Sendable (RucioHTTPRequest, Int) -> RucioHTTPResponse)?>(nil)

    var answers: (@Sendable (RucioHTTPRequest, Int) -> RucioHTTPResponse)? {
        get { script.withLock { $0 } }
        set { script.withLock { $0 = newValue } }
    }

    var requests: [RucioHTTPRequest] { lock.withLock { $0.requests } }

    func send(_ request: RucioHTTPRequest) -> RucioHTTPResponse {
        let tokens = lock.withLock { state -> Int in
            state.requests.append(request)
            if request.url.contains("/auth/") { state.tokens += 1 }
            return state.tokens
        }
        return answers?(request, tokens) ?? RucioHTTPResponse(status: 0, headers: [:], body: "", curlCode: 7, message: "no script")
    }
}
