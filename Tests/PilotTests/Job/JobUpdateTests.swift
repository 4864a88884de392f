import Foundation
import Testing
@testable import Pilot

/// The update builder: which fields each state sends, with which types and names, in both API
/// generations; times in the server's format; error codes, diagnostics and metrics as PanDA
/// stores them.
@Suite("job updates")
struct JobUpdateTests {
    static let job: JobDescription = {
        let text = try! PandaJobServer.fixture("job-v1-production.json")
        return try! JobDescription(fields: JobFields(JSONValue.parse(text)!.objectValue!))
    }()

    static let context = UpdateContext(
        node: "worker-17.cern.ch", site: "CERN-PROD_K8S", schedulerID: "harvester-CERN_central_A",
        pilotID: "https://logs/pilot.out|PR|pilot 0.1.0", batchID: "grid-job-4711",
        cpu: CPUIdentity(model: "AMD EPYC 7B13 64-Core Processor", architectureLevel: "x86-64-v3", hasAVX2: true, conversionFactor: 1.0),
        gpu: GPUIdentity(model: "NVIDIA A100-SXM4-40GB", count: 2))

    static let start = Date(timeIntervalSince1970: 1_795_881_600)  // 2026-11-28 16:00:00 UTC

    static var progress: JobProgress {
        var progress = JobProgress()
        progress.startTime = start
        progress.cpuSeconds = 7200
        progress.meanCoreCount = 7
        progress.memory = MemoryUsage(maxRSS: 12_000_000, maxVMEM: 20_000_000, maxSwap: 0, maxPSS: 11_000_000,
                                      avgRSS: 9_000_000, avgVMEM: 15_000_000, avgSwap: 0, avgPSS: 8_500_000)
        progress.io = IOUsage(totalReadChars: 5_000_000_000, totalWrittenChars: 1_000_000, totalReadBytes: 4_000_000_000,
                              totalWrittenBytes: 900_000, readCharsRate: 1_000_000, writtenCharsRate: 200,
                              readBytesRate: 900_000, writtenBytesRate: 150)
        progress.events = 100
        progress.inputFiles = 2
        progress.metrics = [JobMetric(key: "readbyterate", value: "0.98")]
        return progress
    }

    @Test("starting: identity only, typed; running adds the measurements")
    func startingAndRunning() {
        let starting = JobUpdate.starting(Self.job, context: Self.context).v1Body
        #expect(starting["job_id"] == .int(6_781_234_567) && starting["job_status"] == .string("starting"))
        #expect(starting["attempt_nr"] == .int(2) && starting["core_count"] == .int(8))
        #expect(starting["node"] == .string("worker-17.cern.ch") && starting["site_name"] == .string("CERN-PROD_K8S"))
        #expect(starting["scheduler_id"] == .string("harvester-CERN_central_A") && starting["batch_id"] == .string("grid-job-4711"))
        #expect(starting["start_time"] == nil && starting["end_time"] == nil && starting["pilot_error_code"] == nil)
        #expect(starting["cpu_consumption_unit"] == .string("s+AMD EPYC 7B13 64-Core Processor+AVX2"))
        #expect(starting["cpu_architecture_level"] == .string("x86-64-v3") && starting["cpu_conversion_factor"] == .double(1.0))

        let running = JobUpdate.running(Self.job, context: Self.context, progress: Self.progress).v1Body
        #expect(running["job_status"] == .string("running"))
        #expect(running["start_time"] == .string("2026-11-28 16:00:00"))
        #expect(running["cpu_consumption_time"] == .int(7200) && running["mean_core_count"] == .int(7))
        #expect(running["max_rss"] == .int(12_000_000) && running["avg_pss"] == .int(8_500_000))
        #expect(running["tot_rchar"] == .int(5_000_000_000) && running["rate_wbytes"] == .int(150))
        #expect(running["n_events"] == .int(100) && running["n_input_files"] == .int(2))
        #expect(running["job_metrics"] == .string("GPU_name=NVIDIA_A100-SXM4-40GB nGPU=2 readbyterate=0.98"))
        #expect(running["job_output_report"] == nil && running["end_time"] == nil)
    }

    @Test("finished: end time, timing, the file report the Adder reads, no error fields")
    func finished() throws {
        var end = JobEnd(endTime: Self.start.addingTimeInterval(3725))
        end.timing = PilotTiming(getJob: 1, stageIn: 12, payload: 3600, stageOut: 30, initialSetup: 2, setup: 5)
        end.transExitCode = 0
        end.pilotError = .generalError  // ignored for a finished job
        end.outputs = OutputFileReport([
            .init(lfn: "HITS.41234567._000042.pool.root.1", guid: "A1", size: 123_456, adler32: "0000abcd", surl: "https://s/h"),
            .init(lfn: "log.41234567._000042.job.log.tgz.2", guid: "9E8D7C6B-5A49-4837-A625-14131211100F", size: 999, adler32: "deadbeef"),
        ])
        end.metadata = #"{"exitCode": 0}"#
        end.pilotLog = "pilot log tail"
        let body = JobUpdate.finished(Self.job, context: Self.context, progress: Self.progress, end: end).v1Body
        #expect(body["job_status"] == .string("finished") && body["end_time"] == .string("2026-11-28 17:02:05"))
        #expect(body["pilot_timing"] == .string("1|12|3600|30|2|5") && body["trans_exit_code"] == .int(0))
        #expect(body["pilot_error_code"] == nil && body["pilot_error_diag"] == nil)
        #expect(body["meta_data"] == .string(#"{"exitCode": 0}"#) && body["pilot_log"] == .string("pilot log tail"))
        let report = try #require(body["job_output_report"]?.text.flatMap(JSONValue.parse))
        #expect(report["HITS.41234567._000042.pool.root.1"] == .object([
            "guid": .string("A1"), "fsize": .int(123_456), "adler32": .string("0000abcd"), "surl": .string("https://s/h"),
        ]))
        #expect(report["log.41234567._000042.job.log.tgz.2"]?["fsize"] == .int(999))
    }

    @Test("failed: the pilot error code (negative when recoverable) and a one-line diagnostic cut to 500")
    func failed() {
        var end = JobEnd(endTime: Self.start)
        end.pilotError = .stageInFailed
        end.pilotErrorDiag = "replica unreachable:\n" + String(repeating: "x", count: 600)
        end.exeErrorCode = 65
        end.exeErrorDiag = "payload\tsaid\nno"
        var update = JobUpdate.failed(Self.job, context: Self.context, progress: JobProgress(), end: end)
        var body = update.v1Body
        #expect(body["pilot_error_code"] == .int(1099) && body["exe_error_code"] == .int(65))
        let diag = body["pilot_error_diag"]?.text ?? ""
        #expect(diag.count == 500 && diag.hasPrefix("replica unreachable: xxx") && !diag.contains("\n"))
        #expect(body["exe_error_diag"] == .string("payload said no"))
        update.end?.recoverable = true
        body = update.v1Body
        #expect(body["pilot_error_code"] == .int(-1099))
        update.end?.pilotErrorDiag = nil
        #expect(update.v1Body["pilot_error_diag"] == .string("failed to transfer files in"))
    }

    @Test("an unusable description is reported as failed with GENERALERROR and the field named")
    func rejected() {
        let update = JobUpdate.rejected(pandaID: 42, attemptNr: 3, context: Self.context, error: .missingField("transformation"), at: Self.start)
        let body = update.v1Body
        #expect(body["job_id"] == .int(42) && body["job_status"] == .string("failed") && body["attempt_nr"] == .int(3))
        #expect(body["pilot_error_code"] == .int(1008))
        #expect(body["pilot_error_diag"] == .string("invalid job description: missing transformation"))
    }

    @Test("legacy names and text values; ISO timestamp; Harvester's attributes keep native types")
    func legacyAndHarvester() {
        let update = JobUpdate.running(Self.job, context: Self.context, progress: Self.progress)
        let form = Dictionary(update.legacyForm(now: Self.start).map { ($0.name, $0.value) }) { first, _ in first }
        #expect(form["jobId"] == "6781234567" && form["state"] == "running" && form["siteName"] == "CERN-PROD_K8S")
        #expect(form["timestamp"] == "2026-11-28T16:00:00+00:00" && form["startTime"] == "2026-11-28 16:00:00")
        #expect(form["maxRSS"] == "12000000" && form["totRCHAR"] == "5000000000" && form["cpuConversionFactor"] == "1")
        #expect(form["schedulerID"] == "harvester-CERN_central_A" && form["coreCount"] == "8" && form["job_id"] == nil)
        let attributes = update.workerAttributes(now: Self.start)
        #expect(attributes["jobStatus"] == .string("running") && attributes["jobId"] == .int(6_781_234_567))
        #expect(attributes["maxRSS"] == .int(12_000_000) && attributes["xml"] == nil)
    }

    @Test("times are UTC in %Y-%m-%d %H:%M:%S, never epoch", arguments: [
        (0.0, "1970-01-01 00:00:00"), (1_795_881_600.9, "2026-11-28 16:00:00"), (951_782_400, "2000-02-29 00:00:00"),
    ])
    func times(epoch: Double, text: String) {
        #expect(PandaTime.format(Date(timeIntervalSince1970: epoch)) == text)
        #expect(PandaTime.isServerFormat(text))
    }

    @Test("metrics are cut at 500 characters between pairs; text fields at the server's column sizes")
    func limits() {
        var progress = JobProgress()
        progress.metrics = (0..<60).map { JobMetric(key: "key\($0)", value: "value with spaces") }
        var context = Self.context
        context.node = String(repeating: "n", count: 200)
        context.batchID = String(repeating: "b", count: 100)
        let body = JobUpdate.running(Self.job, context: context, progress: progress).v1Body
        let metrics = body["job_metrics"]?.text ?? ""
        #expect(metrics.count <= 500 && metrics.hasSuffix("value_with_spaces") && !metrics.contains("value with"))
        #expect(body["node"]?.text?.count == 128 && body["batch_id"]?.text?.count == 80)
        #expect(!PandaTime.isServerFormat("1795881600.5") && !PandaTime.isServerFormat("2026-11-28T13:20:00"))
    }
}
