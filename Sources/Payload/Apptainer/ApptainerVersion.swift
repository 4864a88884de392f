/// What `apptainer --version` (or `singularity --version`) said, and what that build can do.
///
/// The command line depends on it: SingularityCE and the old Singularity read
/// `SINGULARITYENV_` variables, and only newer builds have `--no-eval`, without which the
/// values of those variables are evaluated by a shell inside the container.
public struct ApptainerVersion: Sendable, Equatable, CustomStringConvertible {
    /// Which project built the binary.
    public enum Flavor: String, Sendable, Equatable {
        /// Apptainer (1.0 and later), the Linux Foundation project.
        case apptainer
        /// Sylabs' SingularityCE (3.8 and later).
        case singularityCE = "singularity-ce"
        /// Singularity before the split (hpcng/apptainer 3.x and older), which prints
        /// `singularity version 3.8.7` or, before 3.0, a bare `2.6.1-dist`.
        case singularity
    }

    /// Which project built it.
    public var flavor: Flavor
    /// The version as printed, e.g. `1.3.4-1.el9`.
    public var text: String
    /// The leading numbers of `text`: `[1, 3, 4]`.
    public var numbers: [Int]

    /// A version from its parts.
    public init(flavor: Flavor, text: String) {
        self.flavor = flavor
        self.text = text
        numbers = Self.leadingNumbers(text)
    }

    /// `apptainer 1.3.4`.
    public var description: String { "\(flavor.rawValue) \(text)" }

    /// The prefix that carries a variable into the container (`APPTAINERENV_NAME=value`).
    public var environmentPrefix: String { flavor == .apptainer ? "APPTAINERENV_" : "SINGULARITYENV_" }

    /// Whether `--no-eval` exists: apptainer 1.1 and SingularityCE 3.10 added it.
    public var supportsNoEval: Bool {
        switch flavor {
        case .apptainer: atLeast([1, 1])
        case .singularityCE: atLeast([3, 10])
        case .singularity: false
        }
    }

    /// The oldest build the pilot drives: one that honours `…ENV_PATH` and has `--containall`,
    /// `--hostname` and `--pwd` as used here (Singularity 3.6; any apptainer).
    public static func minimum(for flavor: Flavor) -> [Int] {
        flavor == .apptainer ? [1, 0] : [3, 6]
    }

    /// Whether this build is new enough for `ApptainerInvocation`.
    public var isSupported: Bool { atLeast(Self.minimum(for: flavor)) }

    /// True when `numbers` is at least `other`, comparing component by component.
    public func atLeast(_ other: [Int]) -> Bool {
        for (i, wanted) in other.enumerated() {
            let have = i < numbers.count ? numbers[i] : 0
            if have != wanted { return have > wanted }
        }
        return true
    }

    /// Reads the first non-blank line of `--version` output: `<name> version <version>`, or a
    /// bare version from Singularity 2. Nil when the line has neither shape.
    public static func parse(_ output: String) -> ApptainerVersion? {
        guard let line = HelperCommandOutcome.firstLine(output) else { return nil }
        let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        if words.count == 3, words[1] == "version", let flavor = Flavor(rawValue: words[0].lowercased()) {
            return leadingNumbers(words[2]).isEmpty ? nil : ApptainerVersion(flavor: flavor, text: words[2])
        }
        if words.count == 1, words[0].first?.isNumber == true {
            return ApptainerVersion(flavor: .singularity, text: words[0])
        }
        return nil
    }

    /// `1.3.4-1.el9` → `[1, 3, 4]`: the dot-separated numbers before anything else.
    static func leadingNumbers(_ text: String) -> [Int] {
        var numbers: [Int] = []
        for part in text.prefix(while: { $0.isNumber || $0 == "." }).split(separator: ".") {
            guard let number = Int(part) else { break }
            numbers.append(number)
        }
        return numbers
    }
}
