import Foundation
import Payload
import Synchronization
@testable import Pilot
#if canImport(Glibc)
import Glibc
#endif

/// A shell script started in a process group of its own, so that a test can watch its tree
/// and end all of it.
final class SpawnedTree: Sendable {
    /// The shell's PID, also the group's ID: the root whose descendants are measured.
    let pid: pid_t

    /// Runs `/bin/sh script arguments…`.
    init(script: String, arguments: [String] = []) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The test runner's threads block signals, SIGCHLD among them, and a spawned process
        // inherits the mask: the shell's `wait` would never wake. Start it with none blocked
        // and the usual signals at their default action.
        var none = sigset_t()
        sigemptyset(&none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGCHLD, SIGINT, SIGTERM, SIGQUIT, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        let argv = (["/bin/sh", script] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, "/bin/sh", nil, &attributes, argv + [nil], environ)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO) }
        pid = child
    }

    /// Sends `signal` to every process of the group.
    func killGroup(_ signal: Int32 = SIGKILL) {
        killpg(pid, signal)
    }

    /// Waits, on a thread of its own, for the shell to end; returns its wait status.
    func wait() async -> Int32 {
        let pid = pid
        return await BlockingThread.run {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            return status
        }
    }

    deinit { killpg(pid, SIGKILL) }
}

/// Counts calls of a kill action and lets a stand-in payload see that it was killed.
final class KillRecorder: Sendable {
    private let state = Mutex<(calls: Int, verdicts: [MonitorVerdict])>((0, []))

    /// Records one call.
    func record(_ verdict: MonitorVerdict) {
        state.withLock { $0.calls += 1; $0.verdicts.append(verdict) }
    }

    /// Calls so far.
    var calls: Int { state.withLock { $0.calls } }

    /// Verdicts passed so far.
    var verdicts: [MonitorVerdict] { state.withLock { $0.verdicts } }

    /// A stand-in payload: runs until killed (then `linger` seconds more, so the monitor keeps
    /// ticking after its verdict) or for `seconds`; returns whether it was killed.
    func payload(seconds: Double, linger: Double = 0) async -> Bool {
        let end = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < end {
            if calls > 0 {
                try? await Task.sleep(for: .seconds(linger))
                return true
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}
