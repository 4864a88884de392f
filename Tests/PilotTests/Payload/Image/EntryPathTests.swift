import Testing
@testable import Payload

@Suite("Image entry names: path safety, symlink targets, whiteouts")
struct EntryPathTests {
    @Test(arguments: [
        ("bin/busybox", ["bin", "busybox"]),
        ("./bin/busybox", ["bin", "busybox"]),
        ("./usr//lib/./x/", ["usr", "lib", "x"]),
        ("./", []),
        (".", []),
    ])
    func namesAreNormalized(name: String, parts: [String]) throws {
        #expect(try EntryPath.components(of: name) == parts)
    }

    @Test(arguments: [
        ("/etc/passwd", UnsafeEntry.absolutePath),
        ("//etc", .absolutePath),
        ("../escape", .parentComponent),
        ("a/../../b", .parentComponent),
        ("./a/..", .parentComponent),
    ])
    func unsafeNamesAreRefused(name: String, reason: UnsafeEntry) {
        #expect(throws: reason) { try EntryPath.components(of: name) }
    }

    @Test func hardLinkTargetsMustNameSomethingInside() throws {
        #expect(try EntryPath.hardlinkComponents(of: "./usr/bin/x") == ["usr", "bin", "x"])
        for target in ["../../outside", "/etc/passwd", "", "./"] {
            #expect(throws: UnsafeEntry.hardlinkOutside(target: target)) { try EntryPath.hardlinkComponents(of: target) }
        }
    }

    @Test(arguments: [
        (["bin", "sh"], "busybox", true),
        (["etc", "mtab"], "/proc/mounts", true),
        (["usr", "lib", "x"], "../../bin/y", true),
        (["usr", "lib", "x"], "../../../bin/y", false),
        (["link"], "../../..", false),
        (["link"], "..", false),
        (["a", "b"], "c/../../d", true),
        (["a", "b"], "c/../../../d", false),
        (["a", "b"], "./.", true),
    ])
    func relativeSymlinkTargetsStayInside(link: [String], target: String, inside: Bool) {
        #expect(EntryPath.symlinkStaysInside(link: link, target: target) == inside)
    }

    @Test func whiteoutNamesAreClassified() throws {
        #expect(try Whiteout.classify("passwd") == nil)
        #expect(try Whiteout.classify(".wh.removed.txt") == .remove("removed.txt"))
        #expect(try Whiteout.classify(".wh..hidden") == .remove(".hidden"))
        #expect(try Whiteout.classify(".wh..wh..opq") == .opaque)
        #expect(try Whiteout.classify(".wh..wh.plnk") == .metadata)
        #expect(try Whiteout.classify(".whatever") == nil)
        #expect(throws: UnsafeEntry.parentComponent) { try Whiteout.classify(".wh...") }
        #expect(throws: UnsafeEntry.invalidName) { try Whiteout.classify(".wh.") }
        #expect(throws: UnsafeEntry.invalidName) { try Whiteout.classify(".wh..") }
    }
}
