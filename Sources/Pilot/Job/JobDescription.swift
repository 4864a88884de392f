import FoundationEssentials

/// A job as the server hands it out (PANDA.md §4), checked: the fields pilot acts on, typed, and
/// the per-file lists turned into one record per file.
///
/// Built by `init(fields:)` from a v1 or legacy reply or a Harvester PUSH file; anything this
/// struct does not model (event service, `writeToFile`, secrets) stays in `fields`.
struct JobDescription: Sendable, Equatable {
    // MARK: Identity

    /// The job's number in PanDA (`PandaID`); every update names it.
    var pandaID: Int
    var jobsetID: Int?
    /// The JEDI task (`taskID`).
    var taskID: Int?
    var jobDefinitionID: Int?
    var jobName: String?
    /// Which attempt of the job this is; every update repeats it (the server refuses a stale one).
    var attemptNr: Int
    /// `managed`, `user`, `test`, …
    var prodSourceLabel: String?
    var prodUserID: String?
    var processingType: String?
    var currentPriority: Int?
    var cloud: String?
    var nucleus: String?
    var sourceSite: String?
    /// Where outputs go, for the whole job (`destinationSE`).
    var destinationSE: String?

    // MARK: Execution

    /// The program or script to run.
    var transformation: String
    /// Its arguments (`jobPars`), as sent: base64 when the task sets encJobParams, which the
    /// description itself does not say.
    var jobParameters: String
    var swRelease: String?
    var homepackage: String?
    /// The platform (`cmtConfig`, e.g. `x86_64-el9-gcc13-opt`).
    var cmtConfig: String?
    /// The container image (`container_name`), when the job names one.
    var containerName: String?
    /// Cores the job may use (`coreCount`; the server sends 1 when the job has none).
    var coreCount: Int
    /// Memory the job asked for, in MB (`minRamCount`).
    var minRamCountMB: Int?
    /// Scratch space the job may use, in MB (`maxDiskCount`).
    var maxDiskCountMB: Int?
    /// Wall-time limit in seconds (`maxWalltime`).
    var maxWalltimeSeconds: Int?
    var maxCpuCount: Int?
    /// `SCORE`, `MCORE`, … (`resource_type`).
    var resourceType: String?
    /// `direct` means remote I/O: inputs are read in place, not copied.
    var transferType: String?
    /// The server asked for debug mode (stdout tails in updates).
    var isDebug: Bool
    /// Whether the looping-job check applies (`loopingCheck: False` turns it off).
    var loopingCheck: Bool

    // MARK: Files

    /// Input files in job order (`inFiles` and its aligned lists).
    var inputs: [JobInputFile]
    /// Output files in job order (`outFiles` without the log file).
    var outputs: [JobOutputFile]
    /// The log tarball (`logFile`), when the job has one.
    var log: JobOutputFile?
    /// Outputs the job may legitimately not produce (`allowNoOutput`).
    var allowNoOutput: [String]

    /// Every field as received, secrets included: never log it.
    var fields: JobFields
}

/// One input file: `inFiles[i]` with entry `i` of every list aligned with it.
struct JobInputFile: Sendable, Equatable {
    /// The logical file name, which is also its name in the work directory.
    var lfn: String
    var guid: String?
    var scope: String?
    /// Bytes (`fsize`).
    var size: Int?
    /// `ad:` (Adler-32) or `md5:` (`checksum`).
    var checksum: FileChecksum?
    /// The dataset (`realDatasetsIn`).
    var dataset: String?
    var prodDBlock: String?
    var prodDBlockToken: String?
    var dispatchDBlock: String?
    var dispatchDBlockToken: String?
    /// The RSE to read from (`ddmEndPointIn`).
    var ddmEndpoint: String?
    /// A ready-made signed URL to GET the file from (`signedURLsIn`, a pilot extension).
    var signedURL: String?
}

/// One output or log file: `outFiles[i]` (or `logFile`) with the entries aligned with it.
struct JobOutputFile: Sendable, Equatable {
    /// Whether it is a payload output or the pilot's log tarball.
    enum Kind: String, Sendable, Equatable {
        case output
        case log
    }

    var lfn: String
    var kind: Kind
    var scope: String?
    /// Given by the server for the log only (`logGUID`); the pilot makes one for each output.
    var guid: String?
    /// The dataset (`realDatasets`).
    var dataset: String?
    var destinationDBlock: String?
    var destinationDBlockToken: String?
    /// The storage element (`fileDestinationSE`).
    var destinationSE: String?
    /// The RSE to write to (`ddmEndPointOut`).
    var ddmEndpoint: String?
    /// A ready-made signed URL to PUT the file to (`signedURLsOut`, a pilot extension).
    var signedURL: String?
}
