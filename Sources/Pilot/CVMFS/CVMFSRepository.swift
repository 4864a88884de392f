/// A CVMFS repository a job needs, with the files whose timestamps tell how fresh it is.
struct CVMFSRepository: Sendable, Equatable {
    /// The fully qualified repository name, e.g. `atlas.cern.ch`; also its directory under /cvmfs.
    var name: String
    /// Files (relative to the repository) holding a `date | host | epoch` publication stamp.
    var freshnessFiles: [String]

    /// The repositories an ATLAS payload needs by default.
    static let atlasDefaults = ["atlas.cern.ch", "atlas-condb.cern.ch", "unpacked.cern.ch", "sft.cern.ch"]

    /// The `lastUpdate` files the ATLAS pilot and its wrapper check, per repository.
    static let knownFreshnessFiles: [String: [String]] = [
        "atlas.cern.ch": ["repo/ATLASLocalRootBase/logDir/lastUpdate"],
        "atlas-condb.cern.ch": ["repo/conditions/logDir/lastUpdate"],
        "atlas-nightlies.cern.ch": ["repo/sw/logs/lastUpdate"],
        "sft.cern.ch": ["lcg/lastUpdate"],
        "sft-nightlies.cern.ch": ["lcg/lastUpdate"],
        "unpacked.cern.ch": ["logDir/lastUpdate"],
    ]

    /// Why a repository name was refused.
    enum NameError: Error, CustomStringConvertible, Equatable {
        /// Not a DNS-style name: it would not be a directory under /cvmfs, or could escape it.
        case invalid(String)

        var description: String {
            switch self {
            case .invalid(let name):
                "invalid repository name \"\(name)\": expected a name like atlas.cern.ch"
            }
        }
    }

    /// A repository by name, with its known freshness files.
    init(name: String) throws(NameError) {
        let allowed = name.utf8.allSatisfy { c in
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
                || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: "_")
        }
        guard allowed, name.contains("."), !name.hasPrefix("."), !name.contains("..") else {
            throw .invalid(name)
        }
        self.name = name
        self.freshnessFiles = Self.knownFreshnessFiles[name] ?? []
    }
}
