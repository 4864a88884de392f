import Testing
@testable import Pilot

/// `pilot exec`'s direct reading of plain command lines must mean exactly what swift-argument-parser
/// reads, and must leave everything else (help, errors, unknown options) to it.
@Suite("pilot exec's fast command-line path")
struct ExecFastPathTests {
    @Test("every option of ExecCommand is read by the fast path (a new option must be added there too)")
    func everyOption() {
        let labels = Set(Mirror(reflecting: ExecCommand()).children.compactMap(\.label))
        #expect(labels == ExecCommand.fastPathProperties)
    }

    /// The fields of a parsed command, for comparison.
    private func fields(_ command: ExecCommand) -> [String] {
        [command.image, "\(command.bind)", "\(command.workdir ?? "-")", "\(command.pwd ?? "-")", "\(command.env)", command.seccomp,
         "\(command.allowNested)", "\(command.memory ?? "-")", "\(command.pids.map(String.init) ?? "-")", "\(command.cpus.map { "\($0)" } ?? "-")",
         command.gpus, command.runtime.rawValue, "\(command.user ?? "-")", command.hostname, "\(command.grace)",
         "\(command.timeout.map { "\($0)" } ?? "-")", "\(command.imageCache ?? "-")", command.cgroup.rawValue, "\(command.result ?? "-")",
         "\(command.command)", "\(command.global.config ?? "-")", "\(command.global.logLevel.map { "\($0)" } ?? "-")",
         "\(command.global.logFormat?.rawValue ?? "-")"]
    }

    @Test("plain command lines: the same command as swift-argument-parser parses", arguments: [
        ["--image", "/img", "--", "/bin/true"],
        ["--image=/img", "--runtime", "builtin", "--", "/bin/sh", "-c", "echo --image"],
        ["--bind", "/a:/b:ro", "--bind=/c", "--env", "A=1", "--env", "B=2", "--workdir", "/w", "--pwd", "/srv", "--image", "/img",
         "--seccomp", "none", "--allow-nested", "--memory", "2G", "--pids", "64", "--cpus", "1.5", "--gpus", "all", "--user", "1000:1000",
         "--hostname", "h", "--grace", "3", "--timeout", "60", "--image-cache", "/cache", "--cgroup", "always", "--result", "/r.json",
         "--config", "/etc/pilot.json", "--log-level", "debug", "--log-format", "json", "--", "run", "--x"],
        ["--image", "/one", "--image", "/two", "--", "a", "--", "b"],
    ])
    func same(_ arguments: [String]) throws {
        let fast = try #require(ExecCommand.fastParse(arguments))
        let reference = try ExecCommand.parse(arguments)
        #expect(fields(fast) == fields(reference))
    }

    @Test("anything else is left to swift-argument-parser", arguments: [
        ["--help"], ["-h"], ["--version"], ["--image"], ["--image", "/img"], ["--image", "/img", "--"], ["--bogus", "--image", "/i", "--", "x"],
        ["--pids", "many", "--image", "/i", "--", "x"], ["--runtime", "docker", "--image", "/i", "--", "x"],
        ["--timeout=0", "--image", "/i", "--", "x"], ["--grace", "-1", "--image", "/i", "--", "x"], ["-v", "--image", "/i", "--", "x"],
        ["--allow-nested=yes", "--image", "/i", "--", "x"], ["--", "x"],
    ])
    func leftAlone(_ arguments: [String]) {
        #expect(ExecCommand.fastParse(arguments) == nil)
    }
}
