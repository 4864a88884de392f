/// The pilot error codes PanDA knows (pilot3 `pilot/common/errorcodes.py`; PANDA.md §8), sent
/// as `pilot_error_code` with a failed job. The server and its monitoring read the number, so the
/// values must not change.
enum PilotErrorCode: Int, Codable, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    // General
    case generalError = 1008
    case queueData = 1116
    case communicationFailure = 1318
    case pandaQueueNotActive = 1359

    // Disk
    case noLocalSpace = 1098
    case userDirTooLarge = 1104
    case stdoutTooBig = 1106
    case outputFileTooLarge = 1124

    // Stage-in and stage-out
    case stageInFailed = 1099
    case replicaNotFound = 1100
    case stageOutFailed = 1137
    case stageInTimeout = 1151
    case stageOutTimeout = 1152
    case missingOutputFile = 1165
    case getADMismatch = 1171
    case putADMismatch = 1172
    case missingInputFile = 1331

    // Kills
    case pandaKill = 1144
    case loopingJob = 1150
    case payloadOutOfMemory = 1212
    case reachedMaxTime = 1213
    case payloadExceedMaxMem = 1235
    case killPayload = 1363
    case leaseTime = 1375
    case preemption = 1379

    // Signals received by the pilot
    case killSignal = 1200
    case sigterm = 1201
    case sigquit = 1202
    case sigsegv = 1203
    case sigxcpu = 1204
    case sigbus = 1206
    case sigusr1 = 1207
    case sigint = 1208

    // Credentials
    case noProxy = 1163
    case noVOMSProxy = 1177
    case certificateHasExpired = 1373

    // Payload and containers
    case payloadExecutionFailure = 1305
    case singularityGeneralFailure = 1306
    case singularityNoLoopDevices = 1307
    case singularityBindPointFailure = 1308
    case singularityImageMountFailure = 1309
    case imageNotFound = 1360
    case apptainerNotInstalled = 1372

    /// The code pilot3 uses for the signal that stopped the pilot (`SIGTERM` → 1201); any other
    /// signal is KILLSIGNAL.
    static func forSignal(_ signal: Int32) -> PilotErrorCode {
        switch signal {
        case 15: .sigterm
        case 3: .sigquit
        case 11: .sigsegv
        case 24: .sigxcpu
        case 7: .sigbus
        case 10: .sigusr1
        case 2: .sigint
        default: .killSignal
        }
    }

    /// The short explanation sent as `pilot_error_diag` when nothing more precise is known.
    var description: String {
        switch self {
        case .generalError: "general pilot error"
        case .queueData: "pilot could not download queuedata"
        case .communicationFailure: "communication failure with the PanDA server"
        case .pandaQueueNotActive: "PanDA queue is not active"
        case .noLocalSpace: "not enough local space"
        case .userDirTooLarge: "user work directory too large"
        case .stdoutTooBig: "payload stdout file too big"
        case .outputFileTooLarge: "output file too large"
        case .stageInFailed: "failed to transfer files in"
        case .replicaNotFound: "replica not found"
        case .stageOutFailed: "failed to transfer files out"
        case .stageInTimeout: "stage-in timed out"
        case .stageOutTimeout: "stage-out timed out"
        case .missingOutputFile: "expected output file missing"
        case .getADMismatch: "Adler-32 mismatch on stage-in"
        case .putADMismatch: "Adler-32 mismatch on stage-out"
        case .missingInputFile: "input file missing in the work directory"
        case .pandaKill: "job killed by the PanDA server (tobekilled)"
        case .loopingJob: "looping job killed"
        case .payloadOutOfMemory: "payload ran out of memory"
        case .reachedMaxTime: "reached the maximum batch system time"
        case .payloadExceedMaxMem: "payload exceeded the maximum allowed memory"
        case .killPayload: "payload killed by the kill file"
        case .leaseTime: "lease time is up"
        case .preemption: "job was preempted"
        case .killSignal: "job terminated by an unknown kill signal"
        case .sigterm: "job killed by signal: SIGTERM"
        case .sigquit: "job killed by signal: SIGQUIT"
        case .sigsegv: "job killed by signal: SIGSEGV"
        case .sigxcpu: "job killed by signal: SIGXCPU"
        case .sigbus: "job killed by signal: SIGBUS"
        case .sigusr1: "job killed by signal: SIGUSR1"
        case .sigint: "job killed by signal: SIGINT"
        case .noProxy: "grid proxy not valid"
        case .noVOMSProxy: "VOMS proxy not valid"
        case .certificateHasExpired: "certificate has expired"
        case .payloadExecutionFailure: "failed to execute the payload"
        case .singularityGeneralFailure: "container runtime: general failure"
        case .singularityNoLoopDevices: "container runtime: no loop devices available"
        case .singularityBindPointFailure: "container runtime: bind point failure"
        case .singularityImageMountFailure: "container runtime: image mount failure"
        case .imageNotFound: "container image not found"
        case .apptainerNotInstalled: "apptainer is not installed"
        }
    }
}
