/// The comparison of two bundles, case by case: what `pilot validate compare` prints, writes as
/// JSON and draws in the HTML report.
struct BundleComparison: Encodable, Sendable {
    /// One bundle's identity in the report.
    struct Side: Codable, Sendable, Equatable {
        var directory: String
        var node: NodeRecord
        var repeats: Int
        var created: String
        var suiteSHA256: String

        enum CodingKeys: String, CodingKey {
            case directory, node, repeats = "repeat", created, suiteSHA256 = "suite_sha256"
        }
    }

    /// The suite both bundles ran.
    var suite: String
    /// The reference architecture's bundle.
    var reference: Side
    /// The new architecture's bundle.
    var new: Side
    /// Every case of either bundle, in the reference's order.
    var cases: [CaseComparison]

    enum CodingKeys: String, CodingKey {
        case suite, reference, new, cases, verdict, counts
    }

    /// The stored fields, the overall verdict and the count of each verdict.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(suite, forKey: .suite)
        try container.encode(reference, forKey: .reference)
        try container.encode(new, forKey: .new)
        try container.encode(cases, forKey: .cases)
        try container.encode(verdict, forKey: .verdict)
        try container.encode(Dictionary(uniqueKeysWithValues: Verdict.allCases.map { ($0.rawValue, count($0)) }), forKey: .counts)
    }

    /// The worst case verdict (identical when there are no cases).
    var verdict: Verdict { cases.map(\.verdict).max() ?? .identical }

    /// How many cases got each verdict.
    func count(_ verdict: Verdict) -> Int { cases.filter { $0.verdict == verdict }.count }

    /// 0 when every case is identical or compatible; 90 when any is different; else 91.
    var exitCode: PilotExitCode {
        if cases.contains(where: { $0.verdict == .different }) { return .validationDifferent }
        if cases.contains(where: { $0.verdict == .failed }) { return .validationFailed }
        return .success
    }

    /// Compares every case of `reference` with the same case of `new` (cases only in `new` are
    /// reported as failed too); each output under the reference's comparison method.
    static func compare(_ reference: LoadedBundle, _ new: LoadedBundle) throws(ValidateError) -> BundleComparison {
        let first = reference.manifest, second = new.manifest
        guard first.suite.name == second.suite.name else {
            throw .incomparable(reason: "the reference ran suite \"\(first.suite.name)\", the new one \"\(second.suite.name)\"")
        }
        var names = first.cases.map(\.name)
        names += second.cases.map(\.name).filter { !names.contains($0) }
        return BundleComparison(
            suite: first.suite.name, reference: side(reference), new: side(new),
            cases: names.map { compareCase($0, reference, new) })
    }

    private static func side(_ bundle: LoadedBundle) -> Side {
        Side(directory: bundle.directory, node: bundle.manifest.node, repeats: bundle.manifest.repeats,
             created: bundle.manifest.created, suiteSHA256: bundle.manifest.suite.sha256)
    }

    private static func compareCase(_ name: String, _ reference: LoadedBundle, _ new: LoadedBundle) -> CaseComparison {
        let first = reference.record(name), second = new.record(name)
        var comparison = CaseComparison(name: name, verdict: .failed)
        comparison.reference = first.flatMap { Usage($0.runs) }
        comparison.new = second.flatMap { Usage($0.runs) }
        if let a = comparison.reference, let b = comparison.new { comparison.ratios = Ratios(reference: a, new: b) }
        guard let first, let second else {
            comparison.reason = "not in the \(first == nil ? "reference" : "new") bundle"
            return comparison
        }
        var reasons: [String] = []
        if first.status == .failed { reasons.append("failed in the reference: \(first.error ?? "unknown")") }
        if second.status == .failed { reasons.append("failed in the new: \(second.error ?? "unknown")") }
        if !reasons.isEmpty {
            comparison.reason = reasons.joined(separator: "; ")
            return comparison
        }
        comparison.outputs = first.outputs.map { output in
            compareOutput(output, second.outputs.first { $0.path == output.path }, reference, new)
        }
        comparison.verdict = comparison.outputs.map(\.verdict).max() ?? .identical
        return comparison
    }

    private static func compareOutput(_ output: OutputRecord, _ other: OutputRecord?,
                                      _ reference: LoadedBundle, _ new: LoadedBundle) -> OutputComparison {
        let method = output.compare.method
        guard let mine = output.files.first else {
            return .failed(output.path, method: method, reason: "not collected in the reference")
        }
        guard let theirs = other?.files.first else {
            return .failed(output.path, method: method, reason: "not collected in the new bundle")
        }
        let first: OutputContent, second: OutputContent
        switch reference.content(of: mine) {
        case .success(let content): first = content
        case .failure(let error): return .failed(output.path, method: method, reason: "reference: \(error)")
        }
        switch new.content(of: theirs) {
        case .success(let content): second = content
        case .failure(let error): return .failed(output.path, method: method, reason: "new: \(error)")
        }
        return OutputComparer.compare(path: output.path, spec: output.compare, reference: first, new: second, spread: output.spread)
    }
}

/// The comparison of one case.
struct CaseComparison: Codable, Sendable {
    /// The case's name.
    var name: String
    /// The worst of its outputs' verdicts, or failed.
    var verdict: Verdict
    /// Why it failed; nil otherwise.
    var reason: String?
    /// Each output's comparison; empty when the case failed.
    var outputs: [OutputComparison] = []
    /// Median use over each bundle's repeats.
    var reference: Usage?
    /// Median use over the new bundle's repeats.
    var new: Usage?
    /// New over reference.
    var ratios: Ratios?
}

/// What a case used: medians over its runs.
struct Usage: Codable, Sendable, Equatable {
    /// Wall-clock seconds.
    var wallSeconds: Double
    /// User plus system CPU seconds of the whole tree.
    var cpuSeconds: Double
    /// Peak memory in KiB.
    var maxRSSKilobytes: Double

    enum CodingKeys: String, CodingKey {
        case wallSeconds = "wall_seconds", cpuSeconds = "cpu_seconds", maxRSSKilobytes = "max_rss_kb"
    }

    /// Medians of `runs`; nil when there are none.
    init?(_ runs: [RunRecord]) {
        guard !runs.isEmpty else { return nil }
        wallSeconds = Self.median(runs.map(\.wallSeconds))
        cpuSeconds = Self.median(runs.map(\.cpuSeconds))
        maxRSSKilobytes = Self.median(runs.map { Double($0.maxRSSKilobytes) })
    }

    /// The middle value, or the mean of the two middle ones.
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

/// New over reference for wall time, CPU time and peak memory; nil where the reference is 0.
struct Ratios: Codable, Sendable, Equatable {
    /// Wall time, new over reference.
    var wall: Double?
    /// CPU time, new over reference.
    var cpu: Double?
    /// Peak memory, new over reference.
    var memory: Double?

    /// The ratios of `new` to `reference`.
    init(reference: Usage, new: Usage) {
        func ratio(_ a: Double, _ b: Double) -> Double? { a > 0 ? b / a : nil }
        wall = ratio(reference.wallSeconds, new.wallSeconds)
        cpu = ratio(reference.cpuSeconds, new.cpuSeconds)
        memory = ratio(reference.maxRSSKilobytes, new.maxRSSKilobytes)
    }
}
