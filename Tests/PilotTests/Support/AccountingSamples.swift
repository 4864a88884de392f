import Foundation
@testable import Pilot

/// The job of APEL.md's example record, as facts, and the settings that reproduce it exactly.
enum AccountingSamples {
    /// HEPscore23 15.2 per core.
    static let benchmark = APELBenchmark(kind: .hepscore23, thousandths: 15200)

    /// The example's site settings: SubmitHost `pilot.example.org:443/<queue>`.
    static func settings(queue: String = "", benchmark: APELBenchmark? = benchmark) -> AccountingSettings {
        var settings = AccountingSettings.defaults
        settings.apelQueue = queue
        settings.benchmark = benchmark
        settings.submitHost = "pilot.example.org:443"
        return settings
    }

    /// The example job; `id`, times and the DN can be changed.
    static func facts(
        id: String = "6931245817", start: Int64 = 1_791_964_800, end: Int64 = 1_791_973_800,
        userDN: String = "/DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=atlpilo1/CN=614260/CN=Robot: ATLAS Pilot1"
    ) -> JobAccountingFacts {
        JobAccountingFacts(
            pandaID: id, queue: "EXAMPLE_K8S", site: "UKI-EXAMPLE-SITE", nodeName: "pilot-7f9c4-xk2lp", userDN: userDN,
            localUser: nil, fqan: "/atlas/Role=production/Capability=NULL", vo: nil, startTime: start, endTime: end,
            wallSeconds: Double(end - start), cpuUserSeconds: 58_000.25, cpuSystemSeconds: 3_199.75, cores: 8, nodeCount: 1,
            maxRSSKiB: 15_728_640, maxVMemKiB: 20_971_520, exitState: .finished, exitCode: 0, architecture: "x86_64",
            cpuModel: "AMD EPYC 9654 96-Core Processor", gpuModel: nil, gpuSeconds: nil,
            stagedIn: ["https://s3.example.org": 1_000_000_000], stagedOut: ["https://s3.example.org": 2_000_000_000],
            instanceType: "m7i.2xlarge")
    }

    /// APEL.md's job message, to the byte.
    static let referenceJobMessage = """
        APEL-individual-job-message: v0.3
        Site: UKI-EXAMPLE-SITE
        SubmitHost: pilot.example.org:443/EXAMPLE_K8S
        MachineName: pilot-7f9c4-xk2lp
        Queue: EXAMPLE_K8S
        LocalJobId: 6931245817
        GlobalUserName: /DC=ch/DC=cern/OU=Organic Units/OU=Users/CN=atlpilo1/CN=614260/CN=Robot: ATLAS Pilot1
        FQAN: /atlas/Role=production/Capability=NULL
        WallDuration: 9000
        CpuDuration: 61200
        Processors: 8
        NodeCount: 1
        StartTime: 1791964800
        EndTime: 1791973800
        InfrastructureDescription: APEL-KUBERNETES
        InfrastructureType: grid
        MemoryReal: 15728640
        MemoryVirtual: 20971520
        ServiceLevelType: HEPscore23
        ServiceLevel: 15.2
        %%

        """

    /// The job message the example settings give for `facts` (for other ids and times).
    static func jobMessage(_ facts: JobAccountingFacts) -> String {
        APELJobRecord(facts: facts, settings: settings(), benchmark: benchmark).message
    }

    /// A fixed "now" after every example job: 2026-11-28T00:00:00Z.
    static let now: Int64 = 1_795_824_000

    /// Writes facts as the JSON `pilot accounting record --facts` reads.
    static func writeFacts(_ facts: JobAccountingFacts, in directory: ScratchDirectory, name: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let path = directory(name)
        try encoder.encode(facts).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Every file under `directory`, relative, sorted (`dir/name`).
    static func files(in directory: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: directory) else { return [] }
        var files: [String] = []
        while let path = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(path)
            }
        }
        return files.sorted()
    }
}
