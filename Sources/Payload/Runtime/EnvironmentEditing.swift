extension ContainerSpec {
    /// The PATH a payload gets when its environment has none (apptainer's default inside).
    public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}

/// Sets, replaces or extends variables in an ordered environment.
extension [EnvironmentVariable] {
    /// Sets `name` to `value` where it first appears (dropping repeats), or at the end.
    mutating func set(_ name: String, _ value: String) {
        guard let i = firstIndex(where: { $0.name == name }) else {
            append(EnvironmentVariable(name: name, value: value))
            return
        }
        self[i].value = value
        var first = true
        removeAll { variable in
            guard variable.name == name else { return false }
            defer { first = false }
            return !first
        }
    }

    /// The value of `name`, or nil when it is not set.
    func value(of name: String) -> String? { first { $0.name == name }?.value }

    /// Appends `directory` to the colon list `name` unless it is already in it; an unset or
    /// empty list starts from `default` (nil: from nothing).
    mutating func appendToList(_ name: String, _ directory: String, default fallback: String? = nil) {
        let current = value(of: name).flatMap { $0.isEmpty ? nil : $0 } ?? fallback
        guard let current, !current.isEmpty else { return set(name, directory) }
        if current.split(separator: ":").contains(Substring(directory)) { return set(name, current) }
        set(name, current + ":" + directory)
    }
}
