#if canImport(Glibc)
import Glibc
#endif
import CContainerInit

/// The pilot's internal mode `__seccomp-exec`, which runs C only and never returns into Swift.
///
/// `main` calls `dispatch` before anything else, while the process is still single-threaded:
/// unshare(CLONE_NEWUSER) refuses a threaded caller, and no Swift may run between fork and exec.
public enum InternalEntry {
    /// The argument that selects the seccomp-then-exec wrapper (the apptainer backend uses it).
    public static let seccompExec = "__seccomp-exec"

    /// Runs an internal mode and exits when `argv[1]` names one; returns otherwise.
    public static func dispatch() {
        guard CommandLine.argc > 1, let mode = CommandLine.unsafeArgv[1].map({ String(cString: $0) }) else { return }
        let code: Int32
        switch mode {
        case seccompExec: code = pilot_seccomp_exec_main(CommandLine.argc, CommandLine.unsafeArgv)
        default: return
        }
        exit(code)
    }
}
