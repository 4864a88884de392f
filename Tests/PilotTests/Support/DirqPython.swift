import Foundation
import Synchronization

/// The Python `dirq` package (PyPI, what ssmsend reads its queue with) in the venv that
/// `scripts/install-dirq.sh` builds, driven through `Scripts/dirq-read.py`.
///
/// The first use runs the install script (idempotent, well under a second once installed);
/// where it cannot install (no PyPI), `skipReason` says so and the tests skip.
enum DirqPython {
    /// One element as dirq read it.
    struct Element: Decodable, Equatable {
        /// `dir/name`.
        var id: String
        /// The bytes, decoded as ASCII as ssmsend decodes them.
        var text: String
    }

    /// What a read saw.
    struct Listing: Decodable {
        /// `QueueSimple.count()` after the read.
        var count: Int
        /// The elements in dirq's order.
        var elements: [Element]
    }

    /// A dirq-read.py run that failed.
    struct Failure: Error, CustomStringConvertible {
        var arguments: [String]
        var output: String
        var description: String { "dirq-read.py \(arguments.joined(separator: " ")) failed: \(output)" }
    }

    /// The venv (`PILOT_DIRQ_VENV`, default /var/cache/pilot/dirq-venv).
    static let venv = ProcessInfo.processInfo.environment["PILOT_DIRQ_VENV"].flatMap { $0.isEmpty ? nil : $0 }
        ?? "/var/cache/pilot/dirq-venv"
    /// The venv's python.
    static var python: String { venv + "/bin/python" }

    /// Why the dirq tests cannot run here; nil when they can. Installs the venv on first use.
    static let skipReason: String? = {
        let script = Fixtures.repositoryRoot.appendingPathComponent("scripts/install-dirq.sh").path
        guard let result = try? LocalCommand.run(executable: "/bin/bash", arguments: [script]) else {
            return "cannot run scripts/install-dirq.sh"
        }
        guard result.status == 0, FileManager.default.isExecutableFile(atPath: python) else {
            return "the Python dirq package could not be installed (scripts/install-dirq.sh): \(result.stdout)\(result.stderr)"
        }
        return nil
    }()

    /// True when the dirq tests can run.
    static var isUsable: Bool { skipReason == nil }

    /// Reads every element as ssmsend does; `consume` removes them as a successful send would.
    static func read(_ queue: String, consume: Bool = false) throws -> Listing {
        let output = try run([queue] + (consume ? ["--consume", "--purge"] : []))
        return try JSONDecoder().decode(Listing.self, from: Data(output.utf8))
    }

    /// Adds an element with dirq itself; returns its id.
    static func add(_ queue: String, text: String) throws -> String {
        let output = try run([queue, "--add", text])
        let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: String]
        return object?["id"] ?? ""
    }

    private static func run(_ arguments: [String]) throws -> String {
        let result = try LocalCommand.run(executable: python, arguments: [LocalCommand.script("dirq-read.py")] + arguments)
        guard result.status == 0 else { throw Failure(arguments: arguments, output: result.stdout + result.stderr) }
        return result.stdout
    }
}
