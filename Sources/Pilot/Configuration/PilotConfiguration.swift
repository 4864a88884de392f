import Logging

/// The pilot's settings, fixed for the life of a command.
///
/// Built in layers (`ConfigurationLoader`): defaults < configuration file < environment < flags.
/// Keys in the file are the `CodingKeys` below; environment variables are `PILOT_` plus the key
/// in upper case.
struct PilotConfiguration: Codable, Sendable, Equatable {
    /// The directory standing for `/` when reading /proc, /sys and /etc (a captured tree in tests).
    var root: String
    /// The work directory: jobs run under it, and its free space is reported.
    var workdir: String
    /// The nvidia-smi to run: a name looked up in PATH, or a path.
    var nvidiaSMI: String
    /// How long nvidia-smi may take before it is killed, in seconds.
    var nvidiaSMITimeout: Double
    /// The lowest level logged.
    var logLevel: Logger.Level
    /// How log lines are written.
    var logFormat: LogFormat
    /// Where CVMFS repositories are mounted (a live path, not under `root`).
    var cvmfsRoot: String
    /// The repositories to verify when none are named; empty skips CVMFS in `detect`.
    var cvmfsRepos: [String]
    /// How long one repository's probe may take before it counts as hung, in seconds.
    var cvmfsTimeout: Double
    /// A freshness stamp older than this many seconds makes a repository degraded.
    var cvmfsMaxAge: Int
    /// The command that mounts a repository, run as `<command> REPO DIR`; nil uses the node's
    /// `mount.cvmfs`. A cvmfsexec `mountrepo` wrapper fits here.
    var cvmfsMountCommand: String?
    /// Freshness files by repository, overriding the built-in ATLAS `lastUpdate` list for the
    /// repositories named (`CVMFSFreshnessFiles`); empty by default.
    var cvmfsFreshnessFiles: [String: [String]] = [:]
    // MARK: PanDA server (Server/, Job/, Harvester/): one nested object, `panda`.
    /// The PanDA server, queue and worker identity (`PandaSettings`; file key `panda`, variables
    /// `PILOT_PANDA_<KEY>`, Harvester's pod environment).
    var panda = PandaSettings()
    // END PanDA server
    // MARK: accounting (issue 7): one nested object, see AccountingSettings.swift
    /// The accounting keys: ledger, APEL queue, benchmark, collector, prices.
    var accounting = AccountingSettings.defaults
    // MARK: pilot run (Job/Run/): one nested object, `run`.
    /// Heartbeats, job count, polling, lifetime, images (`RunSettings`; variables `PILOT_RUN_<KEY>`).
    var run = RunSettings()
    // MARK: Rucio (Rucio/): one nested object, `rucio`.
    /// The Rucio server, credentials, signatures, region (`RucioSettings`; variables `PILOT_RUCIO_<KEY>`).
    var rucio = RucioSettings()

    enum CodingKeys: String, CodingKey, CaseIterable {
        case root, workdir
        case nvidiaSMI = "nvidia_smi"
        case nvidiaSMITimeout = "nvidia_smi_timeout"
        case logLevel = "log_level"
        case logFormat = "log_format"
        case cvmfsRoot = "cvmfs_root"
        case cvmfsRepos = "cvmfs_repos"
        case cvmfsTimeout = "cvmfs_timeout"
        case cvmfsMaxAge = "cvmfs_max_age"
        case cvmfsMountCommand = "cvmfs_mount_command"
        case cvmfsFreshnessFiles = "cvmfs_freshness_files"
        case panda  // PanDA server
        case accounting  // issue 7
        case run  // pilot run
        case rucio  // Rucio
    }

    /// Every key's default; the work directory defaults to the current directory.
    static func defaults(currentDirectory: String) -> PilotConfiguration {
        PilotConfiguration(
            root: "/", workdir: currentDirectory, nvidiaSMI: "nvidia-smi", nvidiaSMITimeout: 10,
            logLevel: .info, logFormat: .auto, cvmfsRoot: "/cvmfs", cvmfsRepos: CVMFSRepository.atlasDefaults,
            cvmfsTimeout: 10, cvmfsMaxAge: 48 * 3600, cvmfsMountCommand: nil
        )
    }
}

/// Part of a configuration: what one layer (file, environment, flags) sets.
struct ConfigurationLayer: Codable, Sendable, Equatable {
    var root: String?
    var workdir: String?
    var nvidiaSMI: String?
    var nvidiaSMITimeout: Double?
    var logLevel: Logger.Level?
    var logFormat: LogFormat?
    var cvmfsRoot: String?
    var cvmfsRepos: [String]?
    var cvmfsTimeout: Double?
    var cvmfsMaxAge: Int?
    var cvmfsMountCommand: String?
    var cvmfsFreshnessFiles: [String: [String]]?
    var panda: PandaSettingsLayer?  // PanDA server
    var accounting: AccountingLayer?  // issue 7
    var run: RunSettingsLayer?  // pilot run
    var rucio: RucioSettingsLayer?  // Rucio

    typealias CodingKeys = PilotConfiguration.CodingKeys

    /// Overrides the configuration's keys with the ones this layer sets.
    func apply(to configuration: inout PilotConfiguration) {
        func set<T>(_ value: T?, _ key: WritableKeyPath<PilotConfiguration, T>) {
            if let value { configuration[keyPath: key] = value }
        }
        set(root, \.root)
        set(workdir, \.workdir)
        set(nvidiaSMI, \.nvidiaSMI)
        set(nvidiaSMITimeout, \.nvidiaSMITimeout)
        set(logLevel, \.logLevel)
        set(logFormat, \.logFormat)
        set(cvmfsRoot, \.cvmfsRoot)
        set(cvmfsRepos, \.cvmfsRepos)
        set(cvmfsTimeout, \.cvmfsTimeout)
        set(cvmfsMaxAge, \.cvmfsMaxAge)
        if let cvmfsMountCommand { configuration.cvmfsMountCommand = cvmfsMountCommand }
        if let cvmfsFreshnessFiles { configuration.cvmfsFreshnessFiles.merge(cvmfsFreshnessFiles) { $1 } }
        panda?.apply(to: &configuration.panda)  // PanDA server
        accounting?.apply(to: &configuration.accounting)  // issue 7
        run?.apply(to: &configuration.run)  // pilot run
        rucio?.apply(to: &configuration.rucio)  // Rucio
    }
}
