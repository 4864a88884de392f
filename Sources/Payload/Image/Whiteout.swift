/// What the OCI whiteout rules make of an entry's last component.
///
/// `.wh.NAME` deletes NAME from the lower layers; `.wh..wh..opq` makes its directory opaque (the
/// lower layers' contents are cleared); other `.wh..wh.` names are aufs bookkeeping and are
/// dropped. None of them is written to the root file system.
enum Whiteout: Equatable {
    /// Remove this sibling from the lower layers.
    case remove(String)
    /// Clear the directory's lower-layer contents.
    case opaque
    /// An aufs metadata name (`.wh..wh.plnk`, …): nothing to do.
    case metadata

    /// What every whiteout name starts with.
    static let prefix = ".wh."
    /// The name that makes its directory opaque.
    static let opaqueMarker = ".wh..wh..opq"

    /// The whiteout a name stands for, nil when it is an ordinary name.
    static func classify(_ name: String) throws(UnsafeEntry) -> Whiteout? {
        guard name.hasPrefix(prefix) else { return nil }
        if name == opaqueMarker { return .opaque }
        if name.hasPrefix(prefix + prefix) { return .metadata }
        let target = String(name.dropFirst(prefix.count))
        switch target {
        case "", ".": throw .invalidName
        case "..": throw .parentComponent
        default: return .remove(target)
        }
    }
}
