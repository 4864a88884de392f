import FoundationEssentials

/// The accounting keys (issue 7): the object `accounting` in the configuration file, the
/// `PILOT_ACCOUNTING_*` variables and `PILOT_BENCHMARK`, and the accounting commands' flags.
///
/// Kept in one object of its own so the rest of `PilotConfiguration` stays flat and small.
struct AccountingSettings: Codable, Sendable, Equatable {
    /// The ledger: job records, delivery state and usage records. nil: `<workdir>/accounting`.
    var directory: String?
    /// The dirq QueueSimple directory ssmsend reads (`path_type: dirq`); "" writes none.
    var apelQueue: String
    /// The per-core benchmark; without it no APEL record is written (see README, Accounting).
    var benchmark: APELBenchmark?
    /// The GOCDB site name; wins over the site a job reports.
    var site: String?
    /// The SubmitHost: `<submit_host>/<Queue>`, or as given when it holds a `/`.
    var submitHost: String
    /// APEL's InfrastructureDescription (at most 100 characters).
    var infrastructureDescription: String
    /// APEL's InfrastructureType: `grid` or `local`.
    var infrastructureType: String
    /// An HTTP(S) URL each job's record is also POSTed to, from the ledger's spool; nil: none.
    var collectorURL: String?
    /// Prices for the usage record's cost estimate; nil: no estimate.
    var prices: PriceTable?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case directory = "dir"
        case apelQueue = "apel_queue"
        case benchmark, site
        case submitHost = "submit_host"
        case infrastructureDescription = "infrastructure_description"
        case infrastructureType = "infrastructure_type"
        case collectorURL = "collector_url"
        case prices
    }

    /// Every key's default: ssm's default spool path, KAPEL's infrastructure names, no benchmark.
    static let defaults = AccountingSettings(
        directory: nil, apelQueue: "/var/spool/apel/outgoing", benchmark: nil, site: nil, submitHost: "pilot",
        infrastructureDescription: "APEL-KUBERNETES", infrastructureType: "grid", collectorURL: nil, prices: nil)

    /// The ledger directory for a work directory.
    func ledgerDirectory(workdir: String) -> String {
        directory ?? (workdir.hasSuffix("/") ? workdir + "accounting" : workdir + "/accounting")
    }

    /// The SubmitHost of a job from `queue`.
    func submitHost(queue: String) -> String {
        submitHost.contains("/") ? submitHost : submitHost + "/" + queue
    }

    /// What to warn about when the pilot starts: today, a missing benchmark.
    var startupWarnings: [String] {
        guard benchmark == nil else { return [] }
        return ["no benchmark configured (--benchmark, PILOT_BENCHMARK or accounting.benchmark, e.g. HEPscore23:10.5): "
                + "jobs are kept in the ledger but no APEL record is written until one is"]
    }
}

/// What one layer (file, environment, flags) sets of the accounting keys.
struct AccountingLayer: Codable, Sendable, Equatable {
/// `dir`.
    var directory: String?
/// `apel_queue`.
    var apelQueue: String?
/// `benchmark`.
    var benchmark: APELBenchmark?
/// `site`.
    var site: String?
/// `submit_host`.
    var submitHost: String?
/// `infrastructure_description`.
    var infrastructureDescription: String?
/// `infrastructure_type`.
    var infrastructureType: String?
    var collectorURL: String?
/// `prices`.
    var prices: PriceTable?

    typealias CodingKeys = AccountingSettings.CodingKeys

/// A layer setting the keys the accounting flags set.
    init(directory: String? = nil, apelQueue: String? = nil, benchmark: APELBenchmark? = nil) {
        self.directory = directory
        self.apelQueue = apelQueue
        self.benchmark = benchmark
    }

    /// Decodes the file's `accounting` object; an unknown key is an error, as at the top level.
    init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        directory = try container.decodeIfPresent(String.self, forKey: .directory)
        apelQueue = try container.decodeIfPresent(String.self, forKey: .apelQueue)
        benchmark = try container.decodeIfPresent(APELBenchmark.self, forKey: .benchmark)
        site = try container.decodeIfPresent(String.self, forKey: .site)
        submitHost = try container.decodeIfPresent(String.self, forKey: .submitHost)
        infrastructureDescription = try container.decodeIfPresent(String.self, forKey: .infrastructureDescription)
        infrastructureType = try container.decodeIfPresent(String.self, forKey: .infrastructureType)
        collectorURL = try container.decodeIfPresent(String.self, forKey: .collectorURL)
        prices = try container.decodeIfPresent(PriceTable.self, forKey: .prices)
    }

    /// Overrides the settings' keys with the ones this layer sets.
    func apply(to settings: inout AccountingSettings) {
        if let directory { settings.directory = directory }
        if let apelQueue { settings.apelQueue = apelQueue }
        if let benchmark { settings.benchmark = benchmark }
        if let site { settings.site = site }
        if let submitHost { settings.submitHost = submitHost }
        if let infrastructureDescription { settings.infrastructureDescription = infrastructureDescription }
        if let infrastructureType { settings.infrastructureType = infrastructureType }
        if let collectorURL { settings.collectorURL = collectorURL }
        if let prices { settings.prices = prices }
    }

    /// `PILOT_ACCOUNTING_<KEY>` for each key, `PILOT_BENCHMARK` for the benchmark, and
    /// `PILOT_ACCOUNTING_PRICES` naming a JSON file that holds the price table.
    static func environment(_ environment: [String: String]) throws(ConfigurationError) -> AccountingLayer {
        func value(_ key: CodingKeys) -> String? {
            let name = key == .benchmark ? "PILOT_BENCHMARK" : "PILOT_ACCOUNTING_" + key.rawValue.uppercased()
            guard let text = environment[name] else { return nil }
            return key == .apelQueue ? text : (text.isEmpty ? nil : text)  // "" turns the queue off
        }
        var layer = AccountingLayer(directory: value(.directory), apelQueue: value(.apelQueue))
        if let text = value(.benchmark) {
            do { layer.benchmark = try APELBenchmark(parsing: text) } catch {
                throw .invalidEnvironment(variable: "PILOT_BENCHMARK", value: text, expected: "TYPE:VALUE, e.g. HEPscore23:10.5 (\(error.reason))")
            }
        }
        layer.site = value(.site)
        layer.submitHost = value(.submitHost)
        layer.infrastructureDescription = value(.infrastructureDescription)
        layer.infrastructureType = value(.infrastructureType)
        layer.collectorURL = value(.collectorURL)
        if let path = value(.prices) {
            let text: String
            do { text = try FileReader.readString(path) } catch { throw .unreadableFile(error) }
            do { layer.prices = try JSONDecoder().decode(PriceTable.self, from: Data(text.utf8)) } catch {
                throw .invalidFile(path: path, reason: "not a price table (see README, Accounting)")
            }
        }
        return layer
    }

    /// Checks the values wherever they came from.
    static func validate(_ settings: AccountingSettings) throws(ConfigurationError) {
        for (key, path) in [("accounting.dir", settings.directory ?? "/"), ("accounting.apel_queue", settings.apelQueue)]
        where !path.isEmpty && !path.hasPrefix("/") {
            throw .invalidValue(key: key, reason: "must be an absolute path")
        }
        guard ["grid", "local"].contains(settings.infrastructureType) else {
            throw .invalidValue(key: "accounting.infrastructure_type", reason: "must be grid or local")
        }
        var texts = [("accounting.infrastructure_description", settings.infrastructureDescription, 100),
                     ("accounting.submit_host", settings.submitHost, 200)]
        if let site = settings.site { texts.append(("accounting.site", site, 255)) }
        for (key, text, limit) in texts {
            do { try APELText.check(key, text, limit: limit, mandatory: true) } catch {
                throw .invalidValue(key: key, reason: error.description)
            }
        }
        if let url = settings.collectorURL, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw .invalidValue(key: "accounting.collector_url", reason: "must be an http:// or https:// URL")
        }
        if let reason = settings.prices?.problem {
            throw .invalidValue(key: "accounting.prices", reason: reason)
        }
    }
}
