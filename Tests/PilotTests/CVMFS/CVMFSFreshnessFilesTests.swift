import Foundation
import Testing
@testable import Pilot

/// Freshness files per repository: the `REPO=PATH` syntax, the configuration layers, and the
/// probe reading them through the FUSE double.
@Suite("CVMFS freshness files: parsing and configuration")
struct CVMFSFreshnessFilesParsingTests {
    @Test("REPO=PATH pairs: several files per repository, REPO= for none")
    func pairs() throws {
        let parsed = try CVMFSFreshnessFiles.parse([
            "software.eessi.io=versions/lastUpdate", " software.eessi.io = init/stamp ", "atlas.cern.ch=",
        ])
        #expect(parsed == ["software.eessi.io": ["versions/lastUpdate", "init/stamp"], "atlas.cern.ch": []])
    }

    @Test("refused: no '=', a bad repository name, paths that leave the repository", arguments: [
        "atlas.cern.ch", "../etc=x", "atlas.cern.ch=/etc/passwd", "atlas.cern.ch=a/../../b", "atlas.cern.ch=a//b",
    ])
    func refused(text: String) {
        #expect(throws: CVMFSFreshnessFiles.ParseError.self) { try CVMFSFreshnessFiles.parse([text]) }
    }

    @Test("the override replaces a named repository's list; the others keep the ATLAS files")
    func apply() throws {
        let repositories = try ["atlas.cern.ch", "sft.cern.ch", "software.eessi.io"].map { try CVMFSRepository(name: $0) }
        let applied = CVMFSFreshnessFiles.apply(["sft.cern.ch": [], "software.eessi.io": ["stamp"]], to: repositories)
        #expect(applied.map(\.freshnessFiles) == [["repo/ATLASLocalRootBase/logDir/lastUpdate"], [], ["stamp"]])
    }

    @Test("file < environment < flags, merged by repository; the default is empty (the ATLAS list)")
    func layers() throws {
        let scratch = try ScratchDirectory("freshness-config")
        let file = try scratch.write("pilot.json", """
            {"cvmfs_freshness_files": {"software.eessi.io": ["versions/lastUpdate"], "sft.cern.ch": ["lcg/other"]}}
            """)
        func load(_ environment: [String: String], flags: ConfigurationLayer = .init()) throws -> [String: [String]] {
            try ConfigurationLoader.load(flags: flags, configFile: file, environment: environment, currentDirectory: "/").cvmfsFreshnessFiles
        }
        #expect(try ConfigurationLoader.load(flags: .init(), configFile: nil, environment: [:], currentDirectory: "/")
            .cvmfsFreshnessFiles.isEmpty)
        #expect(try load([:]) == ["software.eessi.io": ["versions/lastUpdate"], "sft.cern.ch": ["lcg/other"]])
        let fromEnvironment = try load([CVMFSFreshnessFiles.variable: "sft.cern.ch=lcg/lastUpdate,sft.cern.ch=lcg/x"])
        #expect(fromEnvironment == ["software.eessi.io": ["versions/lastUpdate"], "sft.cern.ch": ["lcg/lastUpdate", "lcg/x"]])
        var flags = ConfigurationLayer()
        flags.cvmfsFreshnessFiles = ["software.eessi.io": []]
        #expect(try load([CVMFSFreshnessFiles.variable: "sft.cern.ch=lcg/y"], flags: flags)
            == ["software.eessi.io": [], "sft.cern.ch": ["lcg/y"]])

        #expect(throws: ConfigurationError.self) { try load([CVMFSFreshnessFiles.variable: "sft.cern.ch"]) }
        let bad = try scratch.write("bad.json", #"{"cvmfs_freshness_files": {"sft.cern.ch": ["/etc/passwd"]}}"#)
        #expect(throws: ConfigurationError.invalidValue(
            key: "cvmfs_freshness_files", reason: "freshness file \"/etc/passwd\" of sft.cern.ch must be a relative path inside the repository")) {
            try ConfigurationLoader.load(flags: .init(), configFile: bad, environment: [:], currentDirectory: "/")
        }
    }
}

@Suite("CVMFS freshness files through the FUSE double", .serialized,
       .enabled(if: FakeCVMFS.isUsable, "needs root, /dev/fuse, fusermount3 and python3-fusepy: \(FakeCVMFS.skipReason)"))
struct CVMFSFreshnessProbeTests {
    static let eessi = "software.eessi.io"

    /// A mounted non-ATLAS repository whose only stamp, `versions/lastUpdate`, is ten days old.
    private func staleEESSI() throws -> (FakeCVMFS, Int) {
        let cvmfs = try FakeCVMFS()
        let stamp = Date().addingTimeInterval(-10 * 86400)
        try cvmfs.writeBacking(Self.eessi, "versions/lastUpdate", FakeCVMFS.lastUpdateLine(stamp))
        try cvmfs.mount(Self.eessi, lastUpdate: nil)
        try cvmfs.mount("atlas.cern.ch")
        return (cvmfs, Int(stamp.timeIntervalSince1970))
    }

    private func probe(_ cvmfs: FakeCVMFS, _ extra: [String] = [], environment: [String: String?] = [:])
        throws -> (PilotBinary.Result, [String: [String: Any]]) {
        let (result, json) = try PilotBinary.json(
            ["cvmfs", "probe", "--json", "--cvmfs-root", cvmfs.root, "--timeout", "20", Self.eessi, "atlas.cern.ch"] + extra,
            environment: environment)
        var byName: [String: [String: Any]] = [:]
        for repo in json["repos"] as? [[String: Any]] ?? [] {
            if let name = repo["name"] as? String { byName[name] = repo }
        }
        return (result, byName)
    }

    @Test("without configuration a non-ATLAS repository has no stamp to read; atlas.cern.ch keeps its lastUpdate")
    func builtInOnly() throws {
        let (cvmfs, _) = try staleEESSI()
        let (result, repos) = try probe(cvmfs)
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        #expect(repos[Self.eessi]?["last_update"] is NSNull, "\(repos)")
        #expect(repos["atlas.cern.ch"]?["last_update"] as? Int != nil, "\(repos)")
    }

    @Test("--freshness-file, PILOT_CVMFS_FRESHNESS_FILES and the configuration file each make the stale stamp count (75)")
    func configured() throws {
        let (cvmfs, stamp) = try staleEESSI()
        let config = cvmfs.directory + "/pilot.json"
        try #"{"cvmfs_freshness_files": {"software.eessi.io": ["versions/lastUpdate"]}}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        let ways: [(String, [String], [String: String?])] = [
            ("flag", ["--freshness-file", "\(Self.eessi)=versions/lastUpdate"], [:]),
            ("environment", [], [CVMFSFreshnessFiles.variable: "\(Self.eessi)=versions/lastUpdate"]),
            ("file", ["--config", config], [:]),
        ]
        for (way, extra, environment) in ways {
            let (result, repos) = try probe(cvmfs, extra, environment: environment)
            #expect(result.status == 75, "\(way): \(result.stdout) \(result.stderr)")
            let eessi = repos[Self.eessi] ?? [:]
            #expect(eessi["status"] as? String == "degraded", "\(way): \(eessi)")
            #expect(eessi["last_update"] as? Int == stamp, "\(way): \(eessi)")
            #expect((eessi["reason"] as? String)?.contains("content is stale: last update 240 h ago") == true, "\(way): \(eessi)")
            #expect(repos["atlas.cern.ch"]?["status"] as? String == "ok", "\(way)")
        }

        // REPO= drops a repository's files: the built-in ATLAS stamp is no longer read.
        let (_, none) = try probe(cvmfs, ["--freshness-file", "atlas.cern.ch="])
        #expect(none["atlas.cern.ch"]?["last_update"] is NSNull, "\(none)")
        // A missing configured file is named (degraded), not ignored.
        let (missing, repos) = try probe(cvmfs, ["--freshness-file", "atlas.cern.ch=repo/none/lastUpdate"])
        #expect(missing.status == 75)
        #expect((repos["atlas.cern.ch"]?["reason"] as? String)?.contains("cannot read repo/none/lastUpdate: ENOENT") == true, "\(repos)")
        // A bad value is a usage error before any probe.
        let bad = try PilotBinary.run(["cvmfs", "probe", "--cvmfs-root", cvmfs.root, "--freshness-file", "atlas.cern.ch=../x"])
        #expect(bad.status == 64, "\(bad.stderr)")
        #expect(bad.stderr.contains("invalid --freshness-file"), "\(bad.stderr)")
    }

    @Test("detect probes with the configured files too")
    func detect() throws {
        let (cvmfs, _) = try staleEESSI()
        let (result, json) = try PilotBinary.json(["detect", "--json", "--nvidia-smi", "/nonexistent"], environment: [
            "PILOT_CVMFS_ROOT": cvmfs.root, "PILOT_CVMFS_REPOS": Self.eessi,
            CVMFSFreshnessFiles.variable: "\(Self.eessi)=versions/lastUpdate",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let repos = try #require((json["cvmfs"] as? [String: Any])?["repos"] as? [[String: Any]])
        #expect(repos.map { $0["status"] as? String } == ["degraded"], "\(repos)")
    }
}
