import Foundation

/// Waiting in tests for something another process does: polled, with a deadline, never a fixed
/// sleep that a loaded CI machine outruns.
enum Polling {
    /// Whether `condition` held within `seconds` (checked every 20 ms, and once more at the end).
    static func waitUntil(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if try condition() { return true }
            usleep(20_000)
        }
        return try condition()
    }

    /// Waits for `process` to end, at most `seconds`; SIGKILLs it when it has not (and reaps it
    /// either way). Whether it ended by itself.
    static func waitForExit(_ process: Process, _ seconds: Double) -> Bool {
        let ended = waitUntil(seconds) { !process.isRunning }
        if !ended { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return ended
    }
}
