/// A seccomp policy: a default action and rules for named system calls, before libseccomp.
///
/// Built in (`builtin(allowNestedNamespaces:)`, a deny-list) or read from a Docker/OCI profile
/// (`DockerSeccompProfile`); `compile()` turns it into the BPF program the runtime loads.
public struct SeccompPolicy: Sendable, Equatable {
    /// What happens to a call no rule matches.
    public var defaultAction: SeccompAction
    /// Rules in order; one whose action is the default action is left out (it changes nothing).
    public var rules: [SeccompRule]

    public init(defaultAction: SeccompAction, rules: [SeccompRule]) {
        self.defaultAction = defaultAction
        self.rules = rules
    }

    /// The policy a container spec asks for; nil for `.none` (no filter at all).
    ///
    /// `allowNestedNamespaces` tunes only the builtin policy: a profile file is the whole policy,
    /// as Docker's `--security-opt seccomp=FILE` and Kubernetes' `Localhost` are.
    public static func resolve(
        _ choice: SeccompChoice, allowNestedNamespaces: Bool, host: SeccompHost = .current
    ) throws(SeccompError) -> SeccompPolicy? {
        switch choice {
        case .none: nil
        case .default: builtin(allowNestedNamespaces: allowNestedNamespaces)
        case .file(let path): try DockerSeccompProfile.load(path: path).policy(for: host)
        }
    }

    /// Compiles the policy for the native architecture and its 32-bit companions.
    ///
    /// Names this libseccomp does not know are skipped and listed in the result, so a profile
    /// written for a newer kernel still loads; every other problem throws, naming the rule.
    /// `withPFC: false` skips rendering the pseudo filter code (the launch path needs only the BPF).
    public func compile(withPFC: Bool = true) throws(SeccompError) -> SeccompProgram {
        let filter = try SeccompFilter(defaultAction: defaultAction)
        for architecture in SeccompFilter.compatibilityArchitectures {
            try filter.addArchitecture(architecture)
        }
        var skipped: [String] = []
        for rule in rules where rule.action != defaultAction {
            for check in rule.arguments where check.index > 5 {
                throw .badArgumentIndex(entry: rule.origin, index: check.index)
            }
            for name in rule.syscalls {
                guard let number = SeccompFilter.syscallNumber(name) else {
                    if !skipped.contains(name) { skipped.append(name) }
                    continue
                }
                try filter.addRule(rule.action, syscall: name, number: number, arguments: rule.arguments, entry: rule.origin)
            }
        }
        let bpf = try filter.exportBPF()
        let instructions = bpf.count / SeccompProgram.instructionSize
        if instructions > SeccompProgram.maximumInstructions {
            throw .programTooLarge(instructions: instructions)
        }
        return SeccompProgram(bpf: bpf, pfc: withPFC ? try filter.exportPFC() : "", skippedSyscalls: skipped)
    }
}

/// A compiled seccomp filter, ready for `prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, …)`.
public struct SeccompProgram: Sendable, Equatable {
    /// Bytes per BPF instruction (`struct sock_filter`: u16 code, u8 jt, u8 jf, u32 k).
    public static let instructionSize = 8
    /// BPF_MAXINSNS: the kernel refuses a longer classic BPF program.
    public static let maximumInstructions = 4096

    /// The `struct sock_filter` array, in host byte order; `sock_fprog.len` is its count.
    public var bpf: [UInt8]
    /// libseccomp's pseudo filter code for the same filter, for `--debug` output and tests.
    public var pfc: String
    /// System call names the rules mention that this libseccomp does not know (left out).
    public var skippedSyscalls: [String]

    public init(bpf: [UInt8], pfc: String, skippedSyscalls: [String]) {
        self.bpf = bpf
        self.pfc = pfc
        self.skippedSyscalls = skippedSyscalls
    }

    /// How many BPF instructions the program has.
    public var instructionCount: Int { bpf.count / Self.instructionSize }
}
