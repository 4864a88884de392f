import Foundation
import Testing
@testable import Pilot

/// `pilot validate run` and `compare` through the built binary, in real containers (root: the
/// payload runtime needs namespaces), on the example suite of `examples/validation`.
@Suite("pilot validate, end to end", .enabled(if: BusyboxImage.unavailable == nil, "\(BusyboxImage.unavailable ?? "")"))
struct ValidateEndToEndTests {
    static let suite = SuiteTests.examples.appendingPathComponent("suite.json").path

    /// Two bundles of the example suite made once for the suite: the reference with two repeats.
    struct Bundles {
        var reference: String
        var new: String
        var referenceRun: PilotBinary.Result
        var newRun: PilotBinary.Result
    }

    static let bundles: Result<Bundles, any Error> = Result {
        let reference = BusyboxImage.scratch("validate-ref") + "/bundle"
        let new = BusyboxImage.scratch("validate-new") + "/bundle"
        let first = try run(suite, out: reference, extra: ["--repeat", "2"])
        let second = try run(suite, out: new)
        return Bundles(reference: reference, new: new, referenceRun: first, newRun: second)
    }

    static func run(_ suite: String, out: String, extra: [String] = []) throws -> PilotBinary.Result {
        try PilotBinary.run(["validate", "run", suite, "--image", "busybox=\(BusyboxImage.path)", "--out", out,
                             "--runtime", "builtin", "--log-level", "warning"] + extra)
    }

    static func manifest(_ bundle: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: bundle + "/bundle.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// A copy of `bundle` whose zpeak mass.hist has its counts moved up one bin (the manifest's
    /// SHA-256 updated, so only the physics differs), or only edited when `keepChecksum`.
    static func shiftedCopy(of bundle: String, keepChecksum: Bool = false) throws -> String {
        let copy = BusyboxImage.scratch("validate-shifted") + "/bundle"
        try FileManager.default.copyItem(atPath: bundle, toPath: copy)
        var manifest = try manifest(copy)
        var cases = try #require(manifest["cases"] as? [[String: Any]])
        let index = try #require(cases.firstIndex { $0["name"] as? String == "zpeak" })
        var outputs = try #require(cases[index]["outputs"] as? [[String: Any]])
        let slot = try #require(outputs.firstIndex { $0["path"] as? String == "mass.hist" })
        var files = try #require(outputs[slot]["files"] as? [[String: Any]])
        let path = copy + "/" + (try #require(files[0]["file"] as? String))
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        let rows = lines.map { $0.split(separator: " ").map(String.init) }
        let counts = rows.map { $0[2] }
        let shifted = zip(rows, [counts.last!] + counts.dropLast()).map { "\($0[0]) \($0[1]) \($1)" }.joined(separator: "\n") + "\n"
        try shifted.write(toFile: path, atomically: true, encoding: .utf8)
        if !keepChecksum {
            files[0]["sha256"] = try BundleFiles.sums(path).sha256
            outputs[slot]["files"] = files
            cases[index]["outputs"] = outputs
            manifest["cases"] = cases
            try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: copy + "/bundle.json"))
        }
        return copy
    }

    @Test("the example suite runs; the bundle holds outputs with their checksums, the node, and each run's time and memory")
    func bundle() throws {
        let bundles = try Self.bundles.get()
        #expect(bundles.referenceRun.status == 0, "\(bundles.referenceRun.stderr)")
        #expect(bundles.referenceRun.stdout.contains("zpeak run 2/2: exit 0"))
        let manifest = try Self.manifest(bundles.reference)
        #expect(manifest["format"] as? String == "pilot-validation-bundle" && manifest["format_version"] as? Int == 1)
        #expect(manifest["repeat"] as? Int == 2)
        let node = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: bundles.reference + "/node.json"))) as? [String: Any]
        var name = utsname()
        uname(&name)
        let machine = withUnsafeBytes(of: name.machine) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        #expect(node?["arch"] as? String == machine)
        #expect((manifest["node"] as? [String: Any])?["arch"] as? String == machine)
        let cases = try #require(manifest["cases"] as? [[String: Any]])
        #expect(cases.map { $0["name"] as? String } == ["zpeak", "lowstat"])
        let zpeak = cases[0]
        #expect(zpeak["status"] as? String == "ok")
        let runs = try #require(zpeak["runs"] as? [[String: Any]])
        #expect(runs.count == 2)
        for run in runs {
            #expect(run["exit_code"] as? Int == 0)
            #expect((run["wall_seconds"] as? Double ?? 0) > 0)
            #expect((run["user_cpu_seconds"] as? Double ?? 0) + (run["system_cpu_seconds"] as? Double ?? 0) > 0.01)
            #expect((run["max_rss_kb"] as? Int ?? 0) > 100)
        }
        let outputs = try #require(zpeak["outputs"] as? [[String: Any]])
        #expect(outputs.map { $0["path"] as? String } == ["summary.txt", "moments.txt", "mass.hist", "pt.hist"])
        for output in outputs {
            let files = try #require(output["files"] as? [[String: Any]])
            #expect(files.count == 2)
            for file in files {
                let sums = try BundleFiles.sums(bundles.reference + "/" + (file["file"] as? String ?? ""))
                #expect(sums.sha256 == file["sha256"] as? String)
            }
            #expect((output["spread"] as? [String: Any])?["identical"] as? Bool == true)
        }
        let summary = try String(contentsOfFile: bundles.reference + "/cases/zpeak/run-1/outputs/summary.txt", encoding: .utf8)
        #expect(summary == "events 20000\nseed 12345\nsignal 13905\nbackground 6095\n")
        #expect(!FileManager.default.fileExists(atPath: bundles.reference + "/.work"))
    }

    @Test("two runs on this machine compare identical, exit 0, and the HTML report draws every histogram")
    func comparisonPasses() throws {
        let bundles = try Self.bundles.get()
        #expect(bundles.newRun.status == 0, "\(bundles.newRun.stderr)")
        let html = BusyboxImage.scratch("validate-html") + "/report.html"
        let result = try PilotBinary.run(["validate", "compare", bundles.reference, bundles.new, "--html", html])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("verdict: identical (2 identical, 0 compatible, 0 different, 0 failed)"))
        #expect(result.stdout.contains("reference run to run: identical in 2 repeats"))
        let report = try String(contentsOfFile: html, encoding: .utf8)
        #expect(report.components(separatedBy: "<svg").count - 1 == 3)
        #expect(report.contains("zpeak: mass.hist (identical)"))
    }

    @Test("a bundle whose histogram was shifted one bin is different: the case and output named, exit 90")
    func shiftedHistogram() throws {
        let bundles = try Self.bundles.get()
        let shifted = try Self.shiftedCopy(of: bundles.new)
        let html = BusyboxImage.scratch("validate-html") + "/shifted.html"
        let result = try PilotBinary.run(["validate", "compare", bundles.reference, shifted, "--html", html])
        #expect(result.status == 90, "\(result.stdout)\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("zpeak ") && $0.contains("different") })
        #expect(lines.contains { $0.hasPrefix("lowstat ") && $0.contains("identical") })
        #expect(lines.contains { $0.contains("mass.hist") && $0.contains("different") && $0.contains("chi2 and KS reject") })
        #expect(lines.contains { $0.contains("pt.hist") && $0.contains("identical") })
        #expect(result.stdout.contains("verdict: different (1 identical, 0 compatible, 1 different, 0 failed)"))
        let json = try PilotBinary.json(["validate", "compare", bundles.reference, shifted, "--json"]).1
        let cases = json["cases"] as? [[String: Any]] ?? []
        #expect(cases.first { $0["name"] as? String == "zpeak" }?["verdict"] as? String == "different")
        #expect(json["verdict"] as? String == "different")
        #expect((json["counts"] as? [String: Int])?["different"] == 1)
        #expect(try String(contentsOfFile: html, encoding: .utf8).contains("zpeak: mass.hist (different)"))
    }

    @Test("an output edited after the run, its checksum left, is failed, not compared: exit 91")
    func alteredOutput() throws {
        let bundles = try Self.bundles.get()
        let altered = try Self.shiftedCopy(of: bundles.new, keepChecksum: true)
        let result = try PilotBinary.run(["validate", "compare", bundles.reference, altered])
        #expect(result.status == 91, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").contains { $0.contains("mass.hist") && $0.contains(" failed ") })
        #expect(result.stdout.contains("changed since the run"))
    }

    @Test("a failing payload and a missing output fail the case, recorded in the bundle: exit 91")
    func failingCase() throws {
        let dir = BusyboxImage.scratch("validate-fail")
        let suite = dir + "/suite.json"
        try """
            {"name": "failing", "cases": [
              {"name": "ok", "image": "busybox", "command": "echo 1 2 3 > table.txt", "outputs": [{"path": "table.txt", "compare": {"method": "numeric"}}]},
              {"name": "broken", "image": "busybox", "command": "echo oops >&2; exit 3", "outputs": [{"path": "out.txt", "compare": {"method": "exact"}}]}
            ]}
            """.write(toFile: suite, atomically: true, encoding: .utf8)
        let result = try Self.run(suite, out: dir + "/bundle")
        #expect(result.status == 91, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("failed: broken"))
        let cases = try #require(try Self.manifest(dir + "/bundle")["cases"] as? [[String: Any]])
        #expect(cases[0]["status"] as? String == "ok")
        #expect(cases[1]["status"] as? String == "failed")
        #expect(cases[1]["error"] as? String == "run 1: the payload exited 3; output out.txt is missing")
        #expect(try String(contentsOfFile: dir + "/bundle/cases/broken/run-1/stderr.txt", encoding: .utf8) == "oops\n")
        let compare = try PilotBinary.run(["validate", "compare", dir + "/bundle", dir + "/bundle"])
        #expect(compare.status == 91)
        #expect(compare.stdout.contains("failed in the reference: run 1: the payload exited 3"))
    }

    @Test("refusals: --out not empty (64), an invalid suite (66), bundles of different suites (92)")
    func refusals() throws {
        let bundles = try Self.bundles.get()
        let notEmpty = try Self.run(Self.suite, out: bundles.reference)
        #expect(notEmpty.status == 64)
        #expect(notEmpty.stderr.contains("is not empty"))
        let dir = BusyboxImage.scratch("validate-bad")
        try "{\"name\": \"x\", \"cases\": [], \"extra\": 1}".write(toFile: dir + "/suite.json", atomically: true, encoding: .utf8)
        let invalid = try Self.run(dir + "/suite.json", out: dir + "/bundle")
        #expect(invalid.status == 66)
        #expect(invalid.stderr.contains("invalid suite"))
        #expect(invalid.stderr.contains("unknown key \"extra\""))
        try "{\"name\": \"other\", \"cases\": [{\"name\": \"c\", \"image\": \"busybox\", \"command\": \"echo > o\", \"outputs\": [{\"path\": \"o\", \"compare\": {\"method\": \"exact\"}}]}]}"
            .write(toFile: dir + "/other.json", atomically: true, encoding: .utf8)
        #expect(try Self.run(dir + "/other.json", out: dir + "/other").status == 0)
        let incomparable = try PilotBinary.run(["validate", "compare", bundles.reference, dir + "/other"])
        #expect(incomparable.status == 92)
        #expect(incomparable.stderr.contains("the reference ran suite \"busybox-awk-example\", the new one \"other\""))
        let missing = try PilotBinary.run(["validate", "compare", bundles.reference, dir + "/nothing"])
        #expect(missing.status == 66)
    }
}
