/// Why nvidia-smi failed, from its exit status and what it printed (nvidia-smi(1) RETURN VALUE).
enum NvidiaSMIFailure: Sendable, Equatable, CustomStringConvertible {
    /// Exit 9, "couldn't communicate with the NVIDIA driver".
    case driverNotLoaded
    /// Exit 6, "No devices were found".
    case noDevices
    /// Exit 2: a query field this driver does not know (old drivers and `compute_cap`).
    case invalidArgument
    /// Exit 4.
    case noPermission
    /// Exit 12: libnvidia-ml.so could not be loaded.
    case nvmlNotFound
    /// Exit 15.
    case gpuLost
    /// Any other exit code.
    case other(code: Int32)

    /// Classifies a failed run; the text wins over the code, since wrappers may remap codes.
    static func classify(exitCode: Int32, output: String) -> NvidiaSMIFailure {
        let text = output.lowercased()
        if text.contains("couldn't communicate with the nvidia driver") { return .driverNotLoaded }
        if text.contains("no devices were found") { return .noDevices }
        if text.contains("is not a valid field to query") { return .invalidArgument }
        if text.contains("nvml shared library not found") || text.contains("libnvidia-ml.so") { return .nvmlNotFound }
        if text.contains("insufficient permissions") { return .noPermission }
        if text.contains("fallen off the bus") || text.contains("gpu is lost") { return .gpuLost }
        switch exitCode {
        case 2: return .invalidArgument
        case 4: return .noPermission
        case 6: return .noDevices
        case 9: return .driverNotLoaded
        case 12: return .nvmlNotFound
        case 15: return .gpuLost
        default: return .other(code: exitCode)
        }
    }

    var description: String {
        switch self {
        case .driverNotLoaded: "driver not loaded"
        case .noDevices: "no devices"
        case .invalidArgument: "invalid argument or field"
        case .noPermission: "no permission"
        case .nvmlNotFound: "nvml library not found"
        case .gpuLost: "gpu fell off the bus"
        case .other(let code): "unknown failure (exit \(code))"
        }
    }

    /// The one-line status error: "nvidia-smi exited 9: driver not loaded (NVIDIA-SMI has failed …)".
    static func summary(exitCode: Int32, output: String) -> String {
        let failure = classify(exitCode: exitCode, output: output)
        let firstLine = NvidiaSMIValue.lines(output).map { NvidiaSMIValue.trim($0) }.first { !$0.isEmpty }
        guard let firstLine else { return "nvidia-smi exited \(exitCode): \(failure)" }
        return "nvidia-smi exited \(exitCode): \(failure) (\(firstLine.prefix(200)))"
    }
}
