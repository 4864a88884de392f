import ArgumentParser

/// `pilot version`: the pilot's version, how the binary was linked, and its C libraries.
struct VersionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the pilot's version, how it was linked, and the versions of its C libraries."
    )

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    func run() async throws {
        let info = BuildInfo.current()
        if json {
            print(try JSONOutput.encode(info))
        } else {
            print("pilot \(info.version) (\(info.arch), \(info.staticallyLinked ? "static" : "dynamic"))")
            print("libcurl    \(info.libraries.curl)")
            print("libarchive \(info.libraries.archive)")
            print("libseccomp \(info.libraries.seccomp)")
        }
    }
}
