import ArgumentParser

/// `pilot detect`: the node as the payload will see it.
struct DetectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Describe this node: CPU, cores and memory as the cgroup limits them, disk, GPUs, OS.",
        discussion: """
            --root points every read of /proc, /sys and /etc at a captured tree; the architecture then \
            comes from that tree's cpuinfo, not from the running kernel. Exit codes: 0 on success, \
            66 when cpuinfo or meminfo cannot be read or parsed, 78 for a bad configuration.
            """
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var node: NodeOptions

    @Flag(name: .long, help: "Print JSON with the documented keys instead of a summary.")
    var json = false

    func run() async throws {
        let context = try CommandContext.make(global: global, flags: node.layer, label: "pilot.detect")
        let report: NodeReport
        do {
            report = try await Self.describe(context)
        } catch {
            throw CommandContext.fail(error)
        }
        print(json ? try JSONOutput.encode(report) : NodeSummary.render(report), terminator: json ? "\n" : "")
    }

    /// The node as the configuration points at it: what `pilot detect --json` prints, and what
    /// `pilot validate run` keeps in a bundle.
    static func describe(_ context: CommandContext) async throws(DetectionError) -> NodeReport {
        let settings = context.configuration
        var cvmfs: (CVMFSProbe, [CVMFSRepository])?
        if !settings.cvmfsRepos.isEmpty {
            let probe = CVMFSProbe(
                cvmfsRoot: settings.cvmfsRoot, observer: "/proc/self/exe",
                timeout: .milliseconds(Int64(settings.cvmfsTimeout * 1000)), maxAge: settings.cvmfsMaxAge,
                freshnessFiles: settings.cvmfsFreshnessFiles, logger: context.logger)
            // Names were checked when the configuration was loaded.
            cvmfs = (probe, settings.cvmfsRepos.compactMap { try? CVMFSRepository(name: $0) })
        }
        let detector = NodeDetector(
            root: RootedPath(root: settings.root),
            workdir: settings.workdir,
            gpuProbe: GPUProbe(
                // A captured tree is another node: this host's nvidia-smi runs only when named.
                root: settings.root,
                nvidiaSMI: settings.root != "/" && settings.nvidiaSMI == "nvidia-smi" ? "" : settings.nvidiaSMI,
                timeout: .milliseconds(Int64(settings.nvidiaSMITimeout * 1000)),
                environment: context.environment, logger: context.logger
            ),
            cvmfs: cvmfs,
            environment: context.environment,
            logger: context.logger
        )
        var report = try await detector.detect()
        if settings.root == "/" {
            report.containers = await ContainerRuntimesReport.probe(
                configuration: settings, environment: context.environment, logger: context.logger)
        }
        return report
    }
}
