import Dispatch
import Payload

/// The process's entry point: runs `PilotCommand` on the concurrency runtime from a synchronous
/// `main`.
///
/// An async `main` parks the main thread with `pthread_exit`, whose forced unwind makes libgcc
/// sort every unwind-table entry of the static binary before anything else runs: about 17 ms and
/// 8 MB at every start (README, "The static binary").
@main
enum PilotMain {
    static func main() {
        // `__seccomp-exec` (inside apptainer containers) runs C only, before Swift starts any thread.
        InternalEntry.dispatch()
        let done = DispatchSemaphore(value: 0)
        // A plain Task would inherit the main actor, whose only thread is the one waiting here.
        Task(executorPreference: globalConcurrentExecutor) {
            // `pilot exec` is the path every payload launch pays for: parsed as a command of its
            // own, ArgumentParser does not reflect over the whole command tree (a third of its
            // start-up CPU; README, "pilot exec", benchmark).
            let arguments = CommandLine.arguments
            if arguments.count > 1, arguments[1] == ExecCommand.configuration.commandName {
                let rest = Array(arguments.dropFirst(2))
                if var command = ExecCommand.fastParse(rest) {
                    do { try await command.run() } catch { ExecCommand.exit(withError: error) }
                } else {
                    await ExecCommand.main(rest)
                }
            } else {
                await PilotCommand.main()
            }
            done.signal()
        }
        done.wait()
    }
}
