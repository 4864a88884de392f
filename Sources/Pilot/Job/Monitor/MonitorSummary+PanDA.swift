/// The prmon figures of PanDA's job update (PANDA.md section 5), one case per figure, with its
/// name in each API generation.
enum PandaMonitorField: String, CaseIterable, Sendable {
    /// The largest summed RSS, virtual memory, swap and PSS, kB.
    case maxRSS, maxVMEM, maxSWAP, maxPSS
    /// Their averages over the samples, kB.
    case avgRSS, avgVMEM, avgSWAP, avgPSS
    /// Bytes read and written through system calls (rchar, wchar) and from and to storage
    /// (read_bytes, write_bytes).
    case totRCHAR, totWCHAR, totRBYTES, totWBYTES
    /// Those totals over the wall time, bytes per second.
    case rateRCHAR, rateWCHAR, rateRBYTES, rateWBYTES

    /// The legacy `updateJob` name (pilot3's `get_data_structure`): the raw value.
    var legacyName: String { rawValue }

    /// The v1 `update_job` name: `max_rss`, `tot_rchar`, `rate_wbytes`…
    var updateJobName: String {
        let name = rawValue
        let prefix = name.prefix { $0.isLowercase }
        return String(prefix) + "_" + name.dropFirst(prefix.count).lowercased()
    }

    /// Memory figures are in kB, I/O totals in bytes (the server divides them by 1024), rates
    /// in bytes per second.
    var unit: String {
        switch self {
        case .totRCHAR, .totWCHAR, .totRBYTES, .totWBYTES: "B"
        case .rateRCHAR, .rateWCHAR, .rateRBYTES, .rateWBYTES: "B/s"
        default: "kB"
        }
    }
}

extension MonitorSummary {
    /// The prmon figures, as whole numbers in each field's unit. A figure nothing measured is
    /// left out rather than sent as a made-up 0 or pilot3's -1: PSS when no smaps_rollup was
    /// readable, I/O when no io file was.
    ///
    /// `maxRSS` is the largest sampled tree RSS, as prmon reports it, not the cgroup's peak
    /// (`peakMemoryBytes`), which counts page cache: a job that reads 10 GB of input would look
    /// as if it needed the memory. Only when no sample was taken (a payload shorter than one
    /// interval) does the cgroup's peak stand in.
    var pandaValues: [PandaMonitorField: Int] {
        var values: [PandaMonitorField: Int] = [:]
        let kilo = { (bytes: Double) in Int((bytes / 1024).rounded()) }
        if samples > 0 {
            values[.maxRSS] = kilo(Double(maxResidentBytes))
            values[.maxVMEM] = kilo(Double(maxVirtualBytes))
            values[.maxSWAP] = kilo(Double(maxSwapBytes))
            values[.avgRSS] = kilo(averageResidentBytes)
            values[.avgVMEM] = kilo(averageVirtualBytes)
            values[.avgSWAP] = kilo(averageSwapBytes)
            if let pss = maxProportionalBytes {
                values[.maxPSS] = kilo(Double(pss))
                values[.avgPSS] = kilo(averageProportionalBytes)
            }
        } else if let peak = cgroup?.peakMemoryBytes {
            values[.maxRSS] = kilo(Double(peak))
        }
        if ioMeasured {
            let totals: [(PandaMonitorField, PandaMonitorField, UInt64)] = [
                (.totRCHAR, .rateRCHAR, io.readChars), (.totWCHAR, .rateWCHAR, io.writtenChars),
                (.totRBYTES, .rateRBYTES, io.readBytes), (.totWBYTES, .rateWBYTES, io.writtenBytes),
            ]
            for (total, rate, bytes) in totals {
                values[total] = Int(clamping: bytes)
                if wallSeconds > 0 { values[rate] = Int((Double(bytes) / wallSeconds).rounded()) }
            }
        }
        return values
    }

    /// The figures under their legacy `updateJob` names (`maxRSS`, `totRCHAR`…).
    var legacyUpdateFields: [String: Int] {
        Dictionary(uniqueKeysWithValues: pandaValues.map { ($0.key.legacyName, $0.value) })
    }

    /// The figures under their v1 `update_job` names (`max_rss`, `tot_rchar`…).
    var updateJobFields: [String: Int] {
        Dictionary(uniqueKeysWithValues: pandaValues.map { ($0.key.updateJobName, $0.value) })
    }

    /// Where the headline figures came from, for the log and `job_metrics`.
    var sources: [String: MeasurementSource] {
        [
            "cpu": cpuSeconds.source, "peak_memory": peakMemoryBytes.source,
            "max_rss": samples > 0 ? .processTree : (cgroup?.peakMemoryBytes != nil ? .cgroup : .none),
            "max_pss": maxProportionalBytes != nil ? .processTree : .none,
            "io": ioMeasured ? .processTree : .none,
        ]
    }
}
