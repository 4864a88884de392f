/// Turning a Docker profile into a `SeccompPolicy`, as moby and runc read it.
extension DockerSeccompProfile {
    /// The policy this profile gives a payload on `host`.
    ///
    /// - `includes`/`excludes` are evaluated as moby does: capabilities against the payload's
    ///   (none), `arches` against the native machine, `minKernel` against the running kernel.
    /// - Arguments: all conditions of an entry must hold; when two name the same argument, each
    ///   becomes a rule of its own (any may hold), runc's reading of such entries.
    /// - Architectures: the filter always covers the native one and its 32-bit companions
    ///   (`SeccompFilter.compatibilityArchitectures`), whatever `archMap` says, so a 32-bit call
    ///   meets the same rules instead of killing the payload.
    /// - Unknown actions and comparisons throw, naming the entry; unknown syscall names are
    ///   left for `SeccompPolicy.compile()` to skip and list.
    public func policy(for host: SeccompHost = .current) throws(SeccompError) -> SeccompPolicy {
        let defaultAction = try Self.action(defaultAction, errno: defaultErrnoRet, entry: "defaultAction")
        var rules: [SeccompRule] = []
        for (position, entry) in (syscalls ?? []).enumerated() {
            let names = entry.syscallNames
            guard !names.isEmpty, Self.applies(entry, on: host) else { continue }
            let origin = "syscalls[\(position)] (\(names.prefix(3).joined(separator: ", "))\(names.count > 3 ? ", …" : ""))"
            let action = try Self.action(entry.action, errno: entry.errnoRet, entry: origin)
            var checks: [SeccompArgumentCheck] = []
            for argument in entry.args ?? [] {
                checks.append(try Self.check(argument, entry: origin))
            }
            let indexes = checks.map(\.index)
            if Set(indexes).count == indexes.count {
                rules.append(SeccompRule(names, action, arguments: checks, origin: origin))
            } else {
                rules += checks.map { SeccompRule(names, action, arguments: [$0], origin: origin) }
            }
        }
        return SeccompPolicy(defaultAction: defaultAction, rules: rules)
    }

    /// Whether an entry's `includes` all hold and none of its `excludes` does.
    static func applies(_ entry: Entry, on host: SeccompHost) -> Bool {
        let arches = host.architectureNames
        if let excludes = entry.excludes {
            if let list = excludes.arches, !arches.isDisjoint(with: list) { return false }
            if let caps = excludes.caps, !host.capabilities.isDisjoint(with: caps) { return false }
            if let text = excludes.minKernel, let minimum = KernelVersion(text), let kernel = host.kernel,
               kernel >= minimum { return false }
        }
        if let includes = entry.includes {
            if let list = includes.arches, !list.isEmpty, arches.isDisjoint(with: list) { return false }
            if let caps = includes.caps, !host.capabilities.isSuperset(of: caps) { return false }
            if let text = includes.minKernel {
                guard let minimum = KernelVersion(text), let kernel = host.kernel, kernel >= minimum else { return false }
            }
        }
        return true
    }

    /// A Docker action name with its errno (EPERM when absent).
    static func action(_ name: String, errno: Int?, entry: String) throws(SeccompError) -> SeccompAction {
        let code = errno ?? 1
        func value() throws(SeccompError) -> UInt16 {
            guard let value = UInt16(exactly: code) else { throw .badActionValue(entry: entry, value: code) }
            return value
        }
        switch name {
        case "SCMP_ACT_ALLOW": return .allow
        case "SCMP_ACT_ERRNO": return .errno(try value())
        case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD": return .killThread
        case "SCMP_ACT_KILL_PROCESS": return .killProcess
        case "SCMP_ACT_TRAP": return .trap
        case "SCMP_ACT_LOG": return .log
        case "SCMP_ACT_TRACE": return .trace(try value())
        case "SCMP_ACT_NOTIFY":
            throw .unsupportedAction(entry: entry, action: name, reason: "the pilot runs no seccomp listener")
        default: throw .unknownAction(entry: entry, action: name)
        }
    }

    /// A Docker argument condition.
    static func check(_ argument: Argument, entry: String) throws(SeccompError) -> SeccompArgumentCheck {
        guard argument.index <= 5 else { throw .badArgumentIndex(entry: entry, index: argument.index) }
        let comparison: SeccompComparison
        var value = argument.value
        switch argument.op {
        case "SCMP_CMP_NE": comparison = .notEqual
        case "SCMP_CMP_LT": comparison = .lessThan
        case "SCMP_CMP_LE": comparison = .lessOrEqual
        case "SCMP_CMP_EQ": comparison = .equal
        case "SCMP_CMP_GE": comparison = .greaterOrEqual
        case "SCMP_CMP_GT": comparison = .greaterThan
        case "SCMP_CMP_MASKED_EQ":
            comparison = .maskedEqual(mask: argument.value)
            value = argument.valueTwo ?? 0
        default: throw .unknownComparison(entry: entry, op: argument.op)
        }
        return SeccompArgumentCheck(index: argument.index, comparison, value)
    }
}
