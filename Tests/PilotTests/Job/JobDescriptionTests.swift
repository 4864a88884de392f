import Foundation
import Testing
@testable import Pilot

/// Job descriptions from golden files (Tests/Fixtures/PanDA): a production job as v1 sends it and
/// the same job urlencoded as the legacy API sends it, a user job with signed URLs, and bad
/// descriptions that must fail with the field named.
@Suite("job descriptions")
struct JobDescriptionTests {
    private func fields(_ name: String) throws -> JobFields {
        let text = try PandaJobServer.fixture(name)
        return JobFields(try #require(JSONValue.parse(text)?.objectValue, "\(name) is not a JSON object"))
    }

    @Test("a production job as v1 sends it: identity, execution, inputs aligned, the log split out of outFiles")
    func production() throws {
        let job = try JobDescription(fields: try fields("job-v1-production.json"))
        #expect(job.pandaID == 6_781_234_567 && job.jobsetID == 51234 && job.taskID == 41_234_567 && job.attemptNr == 2)
        #expect(job.transformation == "Sim_tf.py" && job.jobParameters.hasPrefix("--inputEVNTFile="))
        #expect(job.containerName == "docker://atlas/athena:23.0.18" && job.cmtConfig == "x86_64-el9-gcc13-opt")
        #expect(job.coreCount == 8 && job.minRamCountMB == 16000 && job.maxDiskCountMB == 5000 && job.maxWalltimeSeconds == 43200)
        #expect(job.prodSourceLabel == "managed" && job.swRelease == "Atlas-23.0.18" && job.homepackage == "AtlasOffline/23.0.18")
        #expect(job.resourceType == "MCORE" && job.sourceSite == nil && job.transferType == nil)
        #expect(job.inputs.count == 2)
        let first = try #require(job.inputs.first)
        #expect(first.lfn == "EVNT.41234566._000123.pool.root.1" && first.guid == "6C0A9F4E-2B1D-4E8F-9A3B-1D2C3E4F5A6B")
        #expect(first.size == 1_234_567 && first.checksum == .adler32("0a1b2c3d") && first.scope == "mc23_13p6TeV")
        #expect(first.prodDBlockToken == nil && first.ddmEndpoint == "CERN-PROD_DATADISK" && first.signedURL == nil)
        #expect(job.inputs[1].checksum == .md5("0123456789abcdef0123456789abcdef"))
        #expect(job.outputs.map(\.lfn) == ["HITS.41234567._000042.pool.root.1"])
        #expect(job.outputs[0].scope == "mc23_13p6TeV" && job.outputs[0].destinationSE == "CERN-PROD_DATADISK")
        #expect(job.outputs[0].dataset?.contains(".HITS.") == true && job.outputs[0].kind == .output)
        let log = try #require(job.log)
        #expect(log.lfn == "log.41234567._000042.job.log.tgz.2" && log.guid == "9E8D7C6B-5A49-4837-A625-14131211100F")
        #expect(log.scope == "mc23_13p6TeV" && log.dataset?.contains(".log.") == true && log.kind == .log)
        #expect(job.isDebug == false && job.loopingCheck)
    }

    @Test("the legacy urlencoded form of the same job gives the same description")
    func legacyEqualsV1() throws {
        let legacy = try JobDescription(fields: JobFields(form: FormEncoding.decode(try PandaJobServer.fixture("job-legacy.txt"))))
        var v1 = try JobDescription(fields: try fields("job-v1-production.json"))
        v1.fields = legacy.fields
        #expect(legacy == v1)
    }

    @Test("signed URLs: in aligned with inFiles, out with the outputs then the log; flags read")
    func signedURLs() throws {
        let job = try JobDescription(fields: try fields("job-signed-urls.json"))
        #expect(job.inputs[0].signedURL?.contains("/data.0001.root?") == true)
        #expect(job.inputs[1].signedURL?.contains("/data.0002.root?") == true)
        #expect(job.outputs.map(\.lfn) == ["user.alice.70001._000001.out.root", "user.alice.70001._000001.hist.root"])
        #expect(job.outputs[0].signedURL?.hasSuffix("Signature=cccc") == true)
        #expect(job.outputs[1].signedURL?.hasSuffix("Signature=dddd") == true)
        #expect(job.log?.signedURL?.hasSuffix("Signature=eeee") == true && job.log?.scope == "user.alice")
        #expect(job.outputs.map(\.scope) == ["user.alice", "user.alice"])
        #expect(job.allowNoOutput == ["user.alice.70001._000001.hist.root"])
        #expect(job.isDebug && !job.loopingCheck && job.coreCount == 1)
    }

    @Test("bad descriptions fail with the field named and a one-line diagnostic", arguments: [
        ("bad-missing-pandaid.json", JobDescriptionError.missingField("PandaID")),
        ("bad-missing-transformation.json", .missingField("transformation")),
        ("bad-misaligned-guid.json", .misaligned(field: "GUID", count: 1, expected: 2, alignedWith: "inFiles")),
        ("bad-checksum-syntax.json", .invalidChecksum(field: "checksum", index: 1, value: "sha256:abcdef")),
        ("bad-signed-urls-out.json", .misaligned(field: "signedURLsOut", count: 2, expected: 3,
                                                 alignedWith: "outFiles (without logFile) plus logFile")),
        ("bad-fsize.json", .invalidField(field: "fsize", value: "two MB", expected: "a size in bytes (entry 2)")),
        ("bad-corecount.json", .invalidField(field: "coreCount", value: "eight", expected: "an integer")),
        ("bad-misaligned-scopeout.json", .misaligned(field: "scopeOut", count: 1, expected: 3, alignedWith: "outFiles")),
    ])
    func bad(name: String, expected: JobDescriptionError) throws {
        let fields = try fields(name)
        #expect(throws: expected) { try JobDescription(fields: fields) }
        let offer = JobOffer(fields: fields)
        #expect(offer.pandaID == (name.contains("pandaid") ? nil : 7_000_000_001))
        #expect(expected.pilotErrorCode == .generalError)
        #expect(!expected.diagnostic.contains("\n") && expected.diagnostic.hasPrefix("invalid job description: "))
    }

    @Test("numbers may come as text, nothing as NULL/None/empty; lists keep empty entries")
    func fieldReading() throws {
        let fields = JobFields(["a": .string(" 42 "), "b": .string("NULL"), "c": .null, "d": .string("x,,y"), "e": .string("")])
        #expect(try fields.int("a") == 42 && fields.string("b") == nil && (try fields.int("c")) == nil)
        #expect(fields.list("d") == ["x", "", "y"] && fields.list("e") == nil && fields.list("zz") == nil)
        #expect(throws: JobDescriptionError.invalidField(field: "d", value: "x,,y", expected: "an integer")) { try fields.int("d") }
        let job = try JobDescription(fields: JobFields(["PandaID": .string("5"), "transformation": .string("run.sh")]))
        #expect(job.pandaID == 5 && job.coreCount == 1 && job.inputs.isEmpty && job.outputs.isEmpty && job.log == nil)
    }
}
