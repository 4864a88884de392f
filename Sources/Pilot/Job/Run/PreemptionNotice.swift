#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import Payload

/// The cloud's advance notice that the node is about to go (a spot VM reclaimed, a preemptible
/// VM stopped): a file that appears (a node agent's, or a hook's) or a metadata URL. Seen, it
/// stops the pilot as SIGTERM would, with 1379 PREEMPTION for its job, while there is still time
/// to stage out and report.
struct PreemptionNotice: Sendable {
    var file: String?
    var url: String?
    var header: String?
    var interval: Double

    init?(settings: RunSettings) {
        guard settings.noticeFile != nil || settings.noticeURL != nil else { return nil }
        file = settings.noticeFile
        url = settings.noticeURL
        header = settings.noticeHeader
        interval = settings.noticeInterval
    }

    /// Looks every `interval` until a notice is seen (then stops the pilot) or the task is cancelled.
    func watch(stopping termination: TerminationSignal, logger: Logger) async {
        while !Task.isCancelled, termination.reason == nil {
            if let source = await look() {
                logger.warning("preemption notice: stopping", metadata: ["source": "\(source)"])
                termination.stop(.notice(source))
                return
            }
            do { try await Task.sleep(for: .milliseconds(Int64(interval * 1000))) } catch { return }
        }
    }

    /// Where a notice was seen now; nil when none.
    func look() async -> String? {
        if let file, access(file, F_OK) == 0 { return "file \(file)" }
        guard let url else { return nil }
        let header = self.header
        let answer = await BlockingThread.run { () -> (Int, String)? in
            guard let easy = CurlEasy() else { return nil }
            var settings = CurlSettings.fromEnvironment([:])
            settings.timeout = 5
            settings.connectTimeout = 2
            var body: [UInt8] = []
            let response = easy.get(CurlEasy.Request(url: url, headers: header.map { [$0] } ?? [], settings: settings),
                                    onResponse: { _, _ in }, sink: { bytes in
                                        if body.count < 65536 { body += bytes }
                                        return true
                                    })
            return response.code == 0 ? (response.status, String(decoding: body, as: UTF8.self)) : nil
        }
        guard let (status, body) = answer, Self.announces(status: status, body: body) else { return nil }
        return "url \(Redactor.redact(url))"
    }

    /// Whether a metadata answer announces preemption: a 200 whose body says something other
    /// than "no" (empty, `FALSE`, or an Azure scheduled-events document with no events).
    static func announces(status: Int, body: String) -> Bool {
        guard status == 200 else { return false }
        let text = body.trimmed
        if text.isEmpty || text.lowercased() == "false" { return false }
        let compact = text.filter { !$0.isWhitespace }
        return !compact.contains("\"Events\":[]")
    }
}
