/// Prices for estimating what a job cost, from the configuration (`accounting.prices`):
///
/// ```json
/// { "currency": "USD",
///   "core_hour": { "m7i.4xlarge": 0.0504, "*": 0.045 },
///   "gpu_hour": { "NVIDIA H100 80GB HBM3": 2.90, "*": 2.00 },
///   "egress_gb": 0.09 }
/// ```
///
/// `core_hour` is keyed by instance type, `gpu_hour` by GPU model; `*` is the price for any
/// other. Egress is priced per GB of 10^9 bytes, and every byte staged out counts.
struct PriceTable: Codable, Sendable, Equatable {
    /// The currency the prices are in, only to label the estimate.
    var currency: String
    /// Price of one core for one hour, per instance type.
    var coreHour: [String: Double]
    /// Price of one GPU for one hour, per GPU model.
    var gpuHour: [String: Double]
    /// Price of one GB (10^9 bytes) leaving the cloud.
    var egressGB: Double?

    enum CodingKeys: String, CodingKey {
        case currency
        case coreHour = "core_hour"
        case gpuHour = "gpu_hour"
        case egressGB = "egress_gb"
    }

    /// The key that prices anything not named.
    static let wildcard = "*"

    /// A table; prices not given are unknown.
    init(currency: String = "USD", coreHour: [String: Double] = [:], gpuHour: [String: Double] = [:], egressGB: Double? = nil) {
        self.currency = currency
        self.coreHour = coreHour
        self.gpuHour = gpuHour
        self.egressGB = egressGB
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        currency = try container.decodeIfPresent(String.self, forKey: .currency) ?? "USD"
        coreHour = try container.decodeIfPresent([String: Double].self, forKey: .coreHour) ?? [:]
        gpuHour = try container.decodeIfPresent([String: Double].self, forKey: .gpuHour) ?? [:]
        egressGB = try container.decodeIfPresent(Double.self, forKey: .egressGB)
    }

    /// What is wrong with the table (a negative or non-finite price), or nil.
    var problem: String? {
        let all = Array(coreHour.values) + Array(gpuHour.values) + (egressGB.map { [$0] } ?? [])
        return all.contains { !$0.isFinite || $0 < 0 } ? "prices must be finite and not negative" : nil
    }

    /// The core-hour price of an instance type, else the wildcard's.
    func coreHourPrice(instanceType: String?) -> Double? {
        instanceType.flatMap { coreHour[$0] } ?? coreHour[Self.wildcard]
    }

    /// The GPU-hour price of a GPU model, else the wildcard's.
    func gpuHourPrice(model: String?) -> Double? {
        model.flatMap { gpuHour[$0] } ?? gpuHour[Self.wildcard]
    }

    /// The estimate for a job: compute (cores x wall hours x core-hour price), GPU (GPU-hours x
    /// GPU-hour price), egress (GB staged out x GB price). A part whose price is unknown is null
    /// and named in `missing`, and then the total is null too: a partial sum would pass for a
    /// whole one.
    func estimate(cores: Int, wallSeconds: Int64, instanceType: String?, gpuModel: String?, gpuSeconds: Double,
                  bytesOut: Int64) -> UsageCost {
        var missing: [String] = []
        var compute: Double?
        if let price = coreHourPrice(instanceType: instanceType) {
            compute = Self.round(Double(cores) * Double(wallSeconds) / 3600 * price)
        } else {
            missing.append("core_hour:" + (instanceType ?? Self.wildcard))
        }
        var gpu: Double? = 0
        if gpuSeconds > 0 {
            if let price = gpuHourPrice(model: gpuModel) {
                gpu = Self.round(gpuSeconds / 3600 * price)
            } else {
                gpu = nil
                missing.append("gpu_hour:" + (gpuModel ?? Self.wildcard))
            }
        }
        var egress: Double? = 0
        if bytesOut > 0 {
            if let egressGB {
                egress = Self.round(Double(bytesOut) / 1e9 * egressGB)
            } else {
                egress = nil
                missing.append("egress_gb")
            }
        }
        var total: Double?
        if let compute, let gpu, let egress { total = Self.round(compute + gpu + egress) }
        return UsageCost(currency: currency, compute: compute, gpu: gpu, egress: egress, total: total, missing: missing)
    }

    /// Rounded to a millionth, so sums print as the decimals they are.
    static func round(_ value: Double) -> Double { (value * 1e6).rounded() / 1e6 }
}

/// A job's estimated cost, by part.
struct UsageCost: Codable, Sendable, Equatable {
    /// The price table's currency.
    var currency: String
    /// Cores x wall hours x the core-hour price.
    @EncodedAsNull var compute: Double?
    /// GPU-hours x the GPU-hour price (0 without GPU use).
    @EncodedAsNull var gpu: Double?
    /// GB staged out x the egress price (0 without stage-out).
    @EncodedAsNull var egress: Double?
    /// The sum, null when any part is.
    @EncodedAsNull var total: Double?
    /// The prices the table lacked (`core_hour:m5.large`, `gpu_hour:<model>`, `egress_gb`).
    var missing: [String]
}
