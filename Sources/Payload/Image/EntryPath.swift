/// The lexical safety rules for names inside an image archive.
///
/// Pure: nothing here touches the file system. The applier combines these with `lstat` of what is
/// already unpacked (symlinks on the way) before anything is written.
enum EntryPath {
    /// The components of an entry name, relative to the image root: `./` prefixes, `.` and empty
    /// components dropped. An empty result is the root itself.
    static func components(of name: String) throws(UnsafeEntry) -> [String] {
        if name.hasPrefix("/") { throw .absolutePath }
        var parts: [String] = []
        for part in name.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": throw .parentComponent
            default: parts.append(String(part))
            }
        }
        return parts
    }

    /// The components of a hard link's target, which must name something inside the image.
    static func hardlinkComponents(of target: String) throws(UnsafeEntry) -> [String] {
        do {
            let parts = try components(of: target)
            if parts.isEmpty { throw UnsafeEntry.hardlinkOutside(target: target) }
            return parts
        } catch {
            throw .hardlinkOutside(target: target)
        }
    }

    /// Whether a symlink at `link` (components from the root) with `target` stays inside the
    /// image when its target is resolved lexically from the link's directory.
    ///
    /// Absolute targets are kept: they resolve inside the container at run time, and extraction
    /// never follows a symlink. A relative target that climbs above the root is refused, because a
    /// host tool that did follow it would leave the image.
    static func symlinkStaysInside(link: [String], target: String) -> Bool {
        if target.hasPrefix("/") { return true }
        var depth = link.count - 1
        for part in target.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                depth -= 1
                if depth < 0 { return false }
            default:
                depth += 1
            }
        }
        return true
    }

    /// `a/b/c` for components.
    static func joined(_ parts: some Collection<String>) -> String {
        parts.joined(separator: "/")
    }
}
