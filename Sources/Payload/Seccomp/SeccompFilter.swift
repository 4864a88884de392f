import CSeccomp
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One libseccomp filter context: rules go in, a BPF program and its PFC text come out.
///
/// The only owner of a `scmp_filter_ctx`; it never loads the filter into this process (the
/// runtime's C code does that just before `execve`), it only exports it.
final class SeccompFilter {
    private let context: scmp_filter_ctx

    /// An empty filter for the native architecture whose unmatched calls get `defaultAction`.
    init(defaultAction: SeccompAction) throws(SeccompError) {
        guard let context = seccomp_init(defaultAction.libseccompValue) else {
            throw .library(call: "seccomp_init", errno: EINVAL, detail: "default action \(defaultAction)")
        }
        self.context = context
    }

    deinit { seccomp_release(context) }

    /// The architectures a filter covers besides the native one: 32-bit calls of the same
    /// machine (`int 0x80`, x32, AArch32) then hit the same rules instead of the bad-arch kill.
    static var compatibilityArchitectures: [String] {
        switch seccomp_arch_native() {
        case seccomp_arch_resolve_name("x86_64"): ["x86", "x32"]
        case seccomp_arch_resolve_name("aarch64"): ["arm"]
        default: []
        }
    }

    /// Adds an architecture by libseccomp name (`x86`, `x32`, `arm`); one already there is kept.
    func addArchitecture(_ name: String) throws(SeccompError) {
        let token = seccomp_arch_resolve_name(name)
        guard token != 0 else { throw .library(call: "seccomp_arch_resolve_name", errno: EINVAL, detail: name) }
        if seccomp_arch_exist(context, token) == 0 { return }
        let rc = seccomp_arch_add(context, token)
        if rc < 0 { throw .library(call: "seccomp_arch_add", errno: -rc, detail: name) }
    }

    /// The syscall number libseccomp gives a name on the native architecture (negative pseudo
    /// numbers for calls that exist only on another one); nil when this libseccomp does not know it.
    static func syscallNumber(_ name: String) -> Int32? {
        let number = seccomp_syscall_resolve_name(name)
        return number == __NR_SCMP_ERROR ? nil : number
    }

    /// Adds one rule: `action` when every argument check holds; `entry` names it in errors.
    func addRule(
        _ action: SeccompAction, syscall name: String, number: Int32,
        arguments: [SeccompArgumentCheck], entry: String
    ) throws(SeccompError) {
        let comparisons = arguments.map(\.libseccompValue)
        let rc = comparisons.withUnsafeBufferPointer { buffer in
            seccomp_rule_add_array(context, action.libseccompValue, number, UInt32(buffer.count), buffer.baseAddress)
        }
        if rc < 0 { throw .ruleRejected(entry: entry, syscall: name, errno: -rc) }
    }

    /// The filter as a classic BPF program: `struct sock_filter` records in host byte order,
    /// what `prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog)` takes.
    func exportBPF() throws(SeccompError) -> [UInt8] {
        try export("seccomp_export_bpf") { seccomp_export_bpf(context, $0) }
    }

    /// The filter as libseccomp's pseudo filter code, a readable listing for debugging.
    func exportPFC() throws(SeccompError) -> String {
        String(decoding: try export("seccomp_export_pfc") { seccomp_export_pfc(context, $0) }, as: UTF8.self)
    }

    /// Runs an export into a memfd and reads back what it wrote.
    private func export(_ call: String, _ write: (Int32) -> Int32) throws(SeccompError) -> [UInt8] {
        let fd = pilot_scmp_memfd()
        if fd < 0 { throw .library(call: "memfd_create", errno: errno, detail: call) }
        defer { close(fd) }
        let rc = write(fd)
        if rc < 0 { throw .library(call: call, errno: -rc, detail: "export") }
        if lseek(fd, 0, SEEK_SET) < 0 { throw .library(call: "lseek", errno: errno, detail: call) }
        do {
            return try DescriptorReader.readAll(fd)
        } catch {
            throw .library(call: "read", errno: error.errno, detail: call)
        }
    }
}

extension SeccompAction {
    /// The action as libseccomp encodes it.
    var libseccompValue: UInt32 {
        switch self {
        case .allow: SCMP_ACT_ALLOW
        case .errno(let code): pilot_scmp_act_errno(code)
        case .killThread: SCMP_ACT_KILL_THREAD
        case .killProcess: SCMP_ACT_KILL_PROCESS
        case .trap: SCMP_ACT_TRAP
        case .log: SCMP_ACT_LOG
        case .trace(let message): pilot_scmp_act_trace(message)
        }
    }
}

extension SeccompArgumentCheck {
    /// The check as libseccomp's `struct scmp_arg_cmp`.
    var libseccompValue: scmp_arg_cmp {
        switch comparison {
        case .notEqual: scmp_arg_cmp(arg: index, op: SCMP_CMP_NE, datum_a: value, datum_b: 0)
        case .lessThan: scmp_arg_cmp(arg: index, op: SCMP_CMP_LT, datum_a: value, datum_b: 0)
        case .lessOrEqual: scmp_arg_cmp(arg: index, op: SCMP_CMP_LE, datum_a: value, datum_b: 0)
        case .equal: scmp_arg_cmp(arg: index, op: SCMP_CMP_EQ, datum_a: value, datum_b: 0)
        case .greaterOrEqual: scmp_arg_cmp(arg: index, op: SCMP_CMP_GE, datum_a: value, datum_b: 0)
        case .greaterThan: scmp_arg_cmp(arg: index, op: SCMP_CMP_GT, datum_a: value, datum_b: 0)
        case .maskedEqual(let mask): scmp_arg_cmp(arg: index, op: SCMP_CMP_MASKED_EQ, datum_a: mask, datum_b: value)
        }
    }
}
