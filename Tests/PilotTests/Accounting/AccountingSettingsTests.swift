import Foundation
import Testing
@testable import Pilot

@Suite("Accounting configuration")
struct AccountingSettingsTests {
    private func load(file json: String? = nil, environment: [String: String] = [:], flags: AccountingLayer? = nil) throws -> AccountingSettings {
        let scratch = try ScratchDirectory("accounting-config")
        var layer = ConfigurationLayer()
        layer.accounting = flags
        return try ConfigurationLoader.load(
            flags: layer, configFile: try json.map { try scratch.write("config.json", $0) }, environment: environment,
            currentDirectory: "/work").accounting
    }

    @Test("defaults: ssm's spool path, APEL-KUBERNETES on the grid, no benchmark, ledger under the work directory")
    func defaults() throws {
        let settings = try load()
        #expect(settings == AccountingSettings.defaults)
        #expect(settings.apelQueue == "/var/spool/apel/outgoing")
        #expect(settings.ledgerDirectory(workdir: "/work") == "/work/accounting")
        #expect(settings.submitHost(queue: "Q") == "pilot/Q")
        #expect(settings.startupWarnings.count == 1)
    }

    @Test("the benchmark comes from the file, PILOT_BENCHMARK or --benchmark, flags winning")
    func benchmarkLayers() throws {
        let file = #"{"accounting": {"benchmark": "HEPSPEC:12.5", "apel_queue": "/spool/q", "site": "UKI-X", "prices": {"core_hour": {"*": 0.04}}}}"#
        let fromFile = try load(file: file)
        #expect(fromFile.benchmark?.description == "HEPSPEC:12.5")
        #expect(fromFile.apelQueue == "/spool/q" && fromFile.site == "UKI-X")
        #expect(fromFile.prices?.coreHour == ["*": 0.04])
        let fromEnvironment = try load(file: file, environment: ["PILOT_BENCHMARK": "HEPscore23:10.5", "PILOT_ACCOUNTING_APEL_QUEUE": ""])
        #expect(fromEnvironment.benchmark?.description == "HEPscore23:10.5")
        #expect(fromEnvironment.apelQueue == "")
        let fromFlags = try load(file: file, environment: ["PILOT_BENCHMARK": "HEPscore23:10.5"],
                                 flags: AccountingLayer(benchmark: try APELBenchmark(parsing: "HEPscore23:11")))
        #expect(fromFlags.benchmark?.description == "HEPscore23:11")
        #expect(fromFlags.startupWarnings.isEmpty)
    }

    @Test("a price table can come from the file PILOT_ACCOUNTING_PRICES names")
    func pricesFile() throws {
        let scratch = try ScratchDirectory("prices")
        let path = try scratch.write("prices.json", #"{"currency": "EUR", "gpu_hour": {"*": 2}, "egress_gb": 0.05}"#)
        let settings = try load(environment: ["PILOT_ACCOUNTING_PRICES": path])
        #expect(settings.prices == PriceTable(currency: "EUR", gpuHour: ["*": 2], egressGB: 0.05))
    }

    @Test("bad values are configuration errors that name the key", arguments: [
        (nil, ["PILOT_BENCHMARK": "HS06:10"], "PILOT_BENCHMARK"),
        (#"{"accounting": {"benchmark": "custom:1"}}"#, [:], "accounting.benchmark"),
        (#"{"accounting": {"bogus": 1}}"#, [:], "accounting.bogus"),
        (#"{"accounting": {"infrastructure_type": "cloud"}}"#, [:], "accounting.infrastructure_type"),
        (nil, ["PILOT_ACCOUNTING_APEL_QUEUE": "relative/q"], "accounting.apel_queue"),
        (nil, ["PILOT_ACCOUNTING_SITE": "Sité"], "accounting.site"),
        (nil, ["PILOT_ACCOUNTING_COLLECTOR_URL": "ftp://x"], "accounting.collector_url"),
        (#"{"accounting": {"prices": {"egress_gb": -1}}}"#, [:], "accounting.prices"),
    ] as [(String?, [String: String], String)])
    func invalid(file: String?, environment: [String: String], key: String) throws {
        do {
            _ = try load(file: file, environment: environment)
            Issue.record("expected a configuration error naming \(key)")
        } catch let error as ConfigurationError {
            #expect(error.description.contains(key), "\(error)")
        }
    }

    @Test("the pilot warns at start-up without a benchmark, and refuses a bad --benchmark as usage")
    func startupWarning() throws {
        let scratch = try ScratchDirectory("warning")
        let environment = AccountingCrashTests.environment(scratch).merging(["PILOT_BENCHMARK": nil, "PILOT_LOG_LEVEL": "warning"]) { $1 }
        let result = try PilotBinary.run(["accounting", "deliver"], environment: environment)
        #expect(result.status == 0)
        #expect(result.stderr.contains("no benchmark configured"))
        let bad = try PilotBinary.run(["accounting", "deliver", "--benchmark", "HS06:10"], environment: environment)
        #expect(bad.status == 64)
        let quiet = try PilotBinary.run(["accounting", "deliver", "--benchmark", "HEPscore23:10"], environment: environment)
        #expect(quiet.status == 0 && !quiet.stderr.contains("no benchmark"))
    }
}
