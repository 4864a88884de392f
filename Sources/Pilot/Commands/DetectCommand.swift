import ArgumentParser

/// `pilot detect`: the node as the payload will see it.
struct DetectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Describe this node: CPU, cores and memory as the cgroup limits them, disk, GPUs, OS."
    )

    @Flag(name: .long, help: "Print JSON with the documented keys instead of a summary.")
    var json = false

    func run() async throws {}
}
