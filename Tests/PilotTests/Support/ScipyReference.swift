import Foundation

/// scipy's values for the validation statistics, computed independently in the test set-up by
/// `Scripts/scipy-reference.py` in a venv that `scripts/install-scipy.sh` makes (numpy and scipy
/// from PyPI, under `/var/cache/pilot/scipy-venv` or `$PILOT_SCIPY_VENV`). Where it cannot be
/// installed, the cross-check tests skip and say why.
enum ScipyReference {
    /// The venv's directory.
    static let venv = ProcessInfo.processInfo.environment["PILOT_SCIPY_VENV"].flatMap { $0.isEmpty ? nil : $0 }
        ?? "/var/cache/pilot/scipy-venv"

    private static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Why scipy cannot be used here, or nil once the venv imports it (installing it on first use).
    static let unavailable: String? = {
        let script = repository.appendingPathComponent("scripts/install-scipy.sh").path
        guard let result = try? ChildProcess.run(
            ["/bin/bash", script], environment: ProcessInfo.processInfo.environment.merging(["PILOT_SCIPY_VENV": venv]) { $1 })
        else { return "cannot run scripts/install-scipy.sh" }
        if result.status != 0 {
            return "scipy could not be installed in \(venv) (scripts/install-scipy.sh): \((result.stderr + result.stdout).suffix(300))"
        }
        return nil
    }()

    /// One histogram pair's scipy values.
    struct HistogramValues: Decodable {
        var chi2: Double
        var ndf: Int
        var chi2_p: Double
        var ks_d: Double
        var ks_p: Double
    }

    /// What the script answers.
    struct Answer: Decodable {
        var gamma: [[String: Double]]
        var chi2_sf: [Double]
        var kolmogorov: [Double]
        var histograms: [HistogramValues]
    }

    /// Asks scipy for the values of these arguments.
    static func compute(gamma: [[Double]] = [], chiSquare: [[Double]] = [], kolmogorov: [Double] = [],
                        histograms: [([Double], [Double])] = []) throws -> Answer {
        let request: [String: Any] = [
            "gamma": gamma, "chi2_sf": chiSquare, "kolmogorov": kolmogorov,
            "histograms": histograms.map { [$0.0, $0.1] },
        ]
        let input = try JSONSerialization.data(withJSONObject: request)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: venv + "/bin/python")
        process.arguments = [repository.appendingPathComponent("Tests/PilotTests/Scripts/scipy-reference.py").path]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try JSONDecoder().decode(Answer.self, from: output)
    }
}
