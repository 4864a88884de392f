/// Reads the server's replies (PANDA.md §2, §4, §5): pure, so every shape is tested without a server.
///
/// v1 answers `{"success", "message", "data"}`, mostly with HTTP 200 even for refusals; legacy
/// answers a bare object with `StatusCode`, as JSON when asked with `Accept: application/json`
/// and urlencoded otherwise (then a job list is JSON inside one field).
enum PandaReply {
    /// The v1 envelope.
    struct Envelope: Sendable, Equatable {
        var success: Bool
        var message: String
        var data: JSONValue
    }

    /// v1 messages that mean the credentials lack something, not that the call was wrong.
    static let authorizationMessages = [
        "production or pilot role required", "no production/pilot role", "SSL secure connection is required",
    ]

    /// The envelope of a v1 reply.
    static func envelope(_ body: String, url: String) throws(ServerError) -> Envelope {
        guard let object = JSONValue.parse(body)?.objectValue else {
            throw .malformedReply(url: url, reason: "not a JSON object: \(ServerError.excerpt(body, limit: 80))")
        }
        guard case .bool(let success)? = object["success"] else {
            throw .malformedReply(url: url, reason: "no boolean \"success\" in the reply")
        }
        return Envelope(success: success, message: object["message"]?.text ?? "", data: object["data"] ?? .null)
    }

    /// The fields of a legacy reply: a JSON object, or urlencoded text.
    static func legacyFields(_ body: String, url: String) throws(ServerError) -> [String: JSONValue] {
        let trimmed = body.trimmed
        if trimmed.hasPrefix("{") {
            guard let object = JSONValue.parse(trimmed)?.objectValue else {
                throw .malformedReply(url: url, reason: "invalid JSON: \(ServerError.excerpt(body, limit: 80))")
            }
            return object
        }
        let form = FormEncoding.decode(trimmed)
        guard form.contains(where: { $0.name == "StatusCode" }) else {
            throw .malformedReply(url: url, reason: "no StatusCode in the reply: \(ServerError.excerpt(body, limit: 80))")
        }
        return JobFields(form: form).values
    }

    /// The answer to `acquire_jobs` / `getJob`.
    static func acquire(_ body: String, api: PandaAPIVersion, url: String) throws(ServerError) -> AcquireResult {
        let data: [String: JSONValue]
        switch api {
        case .v1:
            let envelope = try envelope(body, url: url)
            guard envelope.success else {
                if envelope.message.lowercased().contains("no jobs") { return .noJobs(message: envelope.message) }
                throw refusal("acquire_jobs", envelope: envelope, url: url)
            }
            guard let object = envelope.data.objectValue else {
                throw .malformedReply(url: url, reason: "\"data\" is not an object")
            }
            data = object
        case .legacy:
            data = try legacyFields(body, url: url)
        }
        let code = data["StatusCode"]?.integer ?? PandaStatusCode.success.rawValue
        switch PandaStatusCode(rawValue: code) {
        case .success: break
        case .noJobs: return .noJobs(message: data["errorDialog"]?.text ?? "no jobs")
        case .role, .permissionDenied:
            throw .authRefused(url: url, status: 200, detail: data["errorDialog"]?.text ?? "StatusCode \(PandaStatusCode.describe(code))")
        default: throw .refused(method: "getJob", statusCode: code, message: data["errorDialog"]?.text ?? "")
        }
        var jobs: [JSONValue]
        switch data["jobs"] {
        case .array(let list)?: jobs = list
        case .string(let text)?:
            guard let list = JSONValue.parse(text)?.arrayValue else {
                throw .malformedReply(url: url, reason: "\"jobs\" is not a JSON list")
            }
            jobs = list
        case nil: jobs = data["PandaID"] == nil ? [] : [.object(data)]
        default: throw .malformedReply(url: url, reason: "\"jobs\" is not a list")
        }
        let offers = try jobs.map { (job: JSONValue) throws(ServerError) -> JobOffer in
            guard let fields = job.objectValue else { throw .malformedReply(url: url, reason: "a job is not an object") }
            return JobOffer(fields: JobFields(fields))
        }
        return offers.isEmpty ? .noJobs(message: "no jobs in the reply") : .jobs(offers)
    }

    /// The answer to `update_job` / `updateJob`.
    static func update(_ body: String, api: PandaAPIVersion, url: String) throws(ServerError) -> UpdateReply {
        let data: [String: JSONValue]
        switch api {
        case .v1:
            let envelope = try envelope(body, url: url)
            guard envelope.success else { throw refusal("update_job", envelope: envelope, url: url) }
            guard let object = envelope.data.objectValue else {
                throw .malformedReply(url: url, reason: "\"data\" is not an object")
            }
            data = object.merging(["errorDialog": .string(envelope.message)]) { old, _ in old }
        case .legacy:
            data = try legacyFields(body, url: url)
        }
        let code = data["StatusCode"]?.integer ?? PandaStatusCode.success.rawValue
        guard code == PandaStatusCode.success.rawValue else {
            if code == PandaStatusCode.role.rawValue || code == PandaStatusCode.permissionDenied.rawValue {
                throw .authRefused(url: url, status: 200, detail: data["errorDialog"]?.text ?? "")
            }
            throw .refused(method: "update_job", statusCode: code, message: data["errorDialog"]?.text ?? "")
        }
        let secrets = data["pilotSecrets"].flatMap { $0 == .null ? nil : $0 }
        return UpdateReply(commands: BackchannelCommand.parse(data["command"]?.text), pilotSecrets: secrets, api: api)
    }

    /// The answer to `update_worker_status` / `updateWorkerPilotStatus`.
    static func workerStatus(_ body: String, api: PandaAPIVersion, url: String) throws(ServerError) {
        switch api {
        case .v1:
            let envelope = try envelope(body, url: url)
            guard envelope.success else { throw refusal("update_worker_status", envelope: envelope, url: url) }
        case .legacy:
            // The legacy call answers a plain message when the state is refused.
            guard body.trimmed.hasPrefix("{") || body.contains("StatusCode") else {
                throw .refused(method: "updateWorkerPilotStatus", statusCode: nil, message: ServerError.excerpt(body))
            }
            let data = try legacyFields(body, url: url)
            let code = data["StatusCode"]?.integer ?? 0
            guard code == 0 else { throw .refused(method: "updateWorkerPilotStatus", statusCode: code, message: "") }
        }
    }

    /// The error for `success: false`: the credentials, or the server's own refusal.
    private static func refusal(_ method: String, envelope: Envelope, url: String) -> ServerError {
        if authorizationMessages.contains(where: { envelope.message.contains($0) }) {
            return .authRefused(url: url, status: 200, detail: envelope.message)
        }
        return .refused(method: method, statusCode: envelope.data["StatusCode"]?.integer, message: envelope.message)
    }
}
