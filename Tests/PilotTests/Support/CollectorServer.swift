import Foundation

/// `Scripts/collector-server.py` on 127.0.0.1: a stand-in HTTP accounting collector that logs
/// every POST and answers 503 to the first `failing` ones. Stopped by `tearDown()` (and `deinit`);
/// it also exits by itself once this test process is gone.
final class CollectorServer {
    /// One POST as the server saw it.
    struct Post: Decodable {
        var path: String
        var idempotencyKey: String?
        var contentType: String?
        var status: Int
        var body: Body?

        enum CodingKeys: String, CodingKey {
            case path, status, body
            case idempotencyKey = "idempotency_key"
            case contentType = "content_type"
        }
    }

    /// The parts of the POSTed JSON the tests look at.
    struct Body: Decodable {
        var recordKey: String
        var apelMessage: String?
        var usage: [String: JSONValue]

        enum CodingKeys: String, CodingKey {
            case recordKey = "record_key"
            case apelMessage = "apel_message"
            case usage
        }
    }

    /// Any JSON value, kept only to prove the usage record arrived as an object.
    struct JSONValue: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    /// The server did not start.
    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    private let process = Process()
    private let directory: ScratchDirectory
    /// `http://127.0.0.1:<port>/records`.
    let url: String

    /// Starts the server; the first `failing` POSTs get 503.
    init(failing: Int = 0) throws {
        directory = try ScratchDirectory("collector")
        process.executableURL = URL(fileURLWithPath: LocalCommand.python)
        process.arguments = [
            LocalCommand.script("collector-server.py"), "--log", directory("posts.jsonl"),
            "--port-file", directory("port"), "--fail", String(failing), "--watch-pid", String(getpid()),
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        var port: String?
        while port == nil {
            port = try? String(contentsOfFile: directory("port"), encoding: .utf8)
            if port == nil {
                guard process.isRunning, Date() < deadline else {
                    process.terminate()
                    throw StartFailure(description: "collector-server.py did not start")
                }
                usleep(20_000)
            }
        }
        url = "http://127.0.0.1:\(port ?? "")/records"
    }

    deinit { tearDown() }

    /// Every POST so far, in order.
    func posts() throws -> [Post] {
        guard let text = try? String(contentsOfFile: directory("posts.jsonl"), encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Post.self, from: Data($0.utf8)) }
    }

    /// Stops the server: SIGTERM, then SIGKILL after 5 s.
    func tearDown() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
