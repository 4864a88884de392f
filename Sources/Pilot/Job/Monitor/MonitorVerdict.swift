/// Why the monitor fails a job, with pilot3's error code (PANDA.md section 8) and a one-line
/// diagnostic for `pilotErrorDiag`.
enum MonitorVerdict: Sendable, Equatable, CustomStringConvertible {
    /// The tree's memory (PSS, or RSS where PSS was unreadable) went over the job's limit.
    case memoryExceeded(usedKilobytes: UInt64, limitKilobytes: UInt64, measure: MemoryMeasure)
    /// The payload ran longer than the job's `maxWalltime`.
    case wallTimeExceeded(elapsedSeconds: Double, limitSeconds: Double)
    /// The pilot's lifetime (less the grace for stage-out) is running out.
    case lifetimeExhausted(elapsedSeconds: Double, allowedSeconds: Double)
    /// No file in the work directory changed for longer than the looping limit.
    case looping(idleSeconds: Double, limitSeconds: Double, lastModified: String?)
    /// The work directory's file system is running out of space.
    case noLocalSpace(freeBytes: UInt64, minimumBytes: UInt64)
    /// The work directory holds more than the job may use.
    case workDirectoryTooLarge(bytes: UInt64, limitBytes: UInt64)
    /// The payload ended without writing output files it had to.
    case missingOutput(files: [String])

    /// Which memory figure a memory verdict compared.
    enum MemoryMeasure: String, Sendable, Equatable {
        /// Proportional set size, from smaps_rollup.
        case pss = "PSS"
        /// Resident set size, from status: counts shared pages once per process.
        case rss = "RSS"
    }

    /// pilot3's codes for the monitor's verdicts (`pilot/common/errorcodes.py`).
    enum ErrorCode: Int, Sendable, Equatable {
        /// NOLOCALSPACE.
        case noLocalSpace = 1098
        /// USERDIRTOOLARGE.
        case userDirectoryTooLarge = 1104
        /// LOOPINGJOB.
        case loopingJob = 1150
        /// MISSINGOUTPUTFILE.
        case missingOutputFile = 1165
        /// REACHEDMAXTIME.
        case reachedMaxTime = 1213
        /// PAYLOADEXCEEDMAXMEM.
        case payloadExceededMaxMemory = 1235
    }

    /// The code PanDA's `pilotErrorCode` gets.
    var errorCode: ErrorCode {
        switch self {
        case .memoryExceeded: .payloadExceededMaxMemory
        case .wallTimeExceeded, .lifetimeExhausted: .reachedMaxTime
        case .looping: .loopingJob
        case .noLocalSpace: .noLocalSpace
        case .workDirectoryTooLarge: .userDirectoryTooLarge
        case .missingOutput: .missingOutputFile
        }
    }

    /// One line for `pilotErrorDiag` (the server keeps 500 characters).
    var diagnostic: String {
        switch self {
        case let .memoryExceeded(used, limit, measure):
            return "payload exceeded its memory limit: \(measure.rawValue) \(used) kB > \(limit) kB"
        case let .wallTimeExceeded(elapsed, limit):
            return "payload exceeded maxWalltime: ran \(Int(elapsed)) s > \(Int(limit)) s"
        case let .lifetimeExhausted(elapsed, allowed):
            return "pilot lifetime running out: payload ran \(Int(elapsed)) s, \(Int(allowed)) s allowed"
        case let .looping(idle, limit, file):
            let last = file.map { ", last modified \($0)" } ?? ", no file modified"
            return "looping job: no file in the work directory modified for \(Int(idle)) s > \(Int(limit)) s\(last)"
        case let .noLocalSpace(free, minimum):
            return "too little local space: \(free >> 20) MB free < \(minimum >> 20) MB"
        case let .workDirectoryTooLarge(bytes, limit):
            return "work directory too large: \(bytes) bytes > \(limit) bytes (\(limit >> 20) MB)"
        case let .missingOutput(files):
            let shown = files.prefix(5).joined(separator: ", ")
            return "missing output file\(files.count == 1 ? "" : "s"): \(shown)\(files.count > 5 ? " and \(files.count - 5) more" : "")"
        }
    }

    var description: String { "\(errorCode.rawValue) \(diagnostic)" }
}
