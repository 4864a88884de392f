/// The monitor's decisions, each pure over figures already measured: the same numbers always
/// give the same verdict, so every threshold is tested without waiting for it.
enum LimitChecks {
    /// Memory: the largest tree PSS (RSS when no PSS was readable) against `factor` × the job's
    /// memory, as pilot3 compares prmon's maxPSS with 2 × maxrss. nil: within the limit, or no
    /// limit, or nothing sampled yet.
    static func memory(_ summary: MonitorSummary, jobKilobytes: UInt64?, factor: Double) -> MonitorVerdict? {
        guard let jobKilobytes, jobKilobytes > 0, summary.samples > 0 else { return nil }
        let limit = UInt64(Double(jobKilobytes) * factor)
        let (bytes, measure): (UInt64, MonitorVerdict.MemoryMeasure) =
            if let pss = summary.maxProportionalBytes { (pss, .pss) } else { (summary.maxResidentBytes, .rss) }
        let used = bytes / 1024
        return used > limit ? .memoryExceeded(usedKilobytes: used, limitKilobytes: limit, measure: measure) : nil
    }

    /// Wall time: the payload's running time against the job's `maxWalltime`, then against the
    /// pilot's remaining lifetime less `grace`.
    static func wallTime(elapsed: Double, limits: JobLimits, grace: Double) -> MonitorVerdict? {
        if let limit = limits.maxWallSeconds, elapsed > limit {
            return .wallTimeExceeded(elapsedSeconds: elapsed, limitSeconds: limit)
        }
        if let left = limits.pilotSecondsLeft, elapsed > left - grace {
            return .lifetimeExhausted(elapsedSeconds: elapsed, allowedSeconds: max(0, left - grace))
        }
        return nil
    }

    /// Looping: the time since the work directory last changed, counted from the payload's start
    /// when it has changed nothing since (`now`, `started` and the scan's times are epoch seconds).
    static func looping(now: Double, started: Double, scan: WorkDirectoryScan, limit: Double) -> MonitorVerdict? {
        let touched = scan.latestModification.map { max($0, started) } ?? started
        let idle = now - touched
        guard idle > limit else { return nil }
        let file = (scan.latestModification ?? 0) >= started ? scan.latestPath : nil
        return .looping(idleSeconds: idle, limitSeconds: limit, lastModified: file)
    }

    /// Disk: free space on the work directory's file system, then the directory's own size.
    /// A figure that could not be measured (nil) is not judged.
    static func disk(freeBytes: UInt64?, minimumFree: UInt64, workDirectoryBytes: UInt64?, limit: UInt64?) -> MonitorVerdict? {
        if let freeBytes, freeBytes < minimumFree {
            return .noLocalSpace(freeBytes: freeBytes, minimumBytes: minimumFree)
        }
        if let workDirectoryBytes, let limit, workDirectoryBytes > limit {
            return .workDirectoryTooLarge(bytes: workDirectoryBytes, limitBytes: limit)
        }
        return nil
    }

    /// Outputs, after the payload ended: the expected files that are not there, less those the
    /// job allows to be missing; empty names (PanDA's `""` for an empty list) are ignored.
    static func outputs(expected: [String], allowedMissing: [String], exists: (String) -> Bool) -> MonitorVerdict? {
        let allowed = Set(allowedMissing)
        let missing = expected.filter { !$0.isEmpty && !allowed.contains($0) && !exists($0) }
        return missing.isEmpty ? nil : .missingOutput(files: missing)
    }
}
