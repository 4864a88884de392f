extension JobDescription {
    /// The description in `fields`, checked: `PandaID` and `transformation` present, numbers that
    /// are numbers, every per-file list as long as its file list, checksums in `ad:`/`md5:` form.
    ///
    /// Lists: everything about inputs is aligned with `inFiles`. The server puts the log file in
    /// `outFiles` too (last) and aligns `realDatasets`, `destinationDblock`,
    /// `destinationDBlockToken`, `fileDestinationSE` and `ddmEndPointOut` with that list, but
    /// `scopeOut` with the outputs alone; either length is accepted for each of them. The pilot's
    /// own `signedURLsIn` is aligned with `inFiles`, and `signedURLsOut` has one URL per output
    /// (`outFiles` without the log) followed by one for `logFile`.
    init(fields: JobFields) throws(JobDescriptionError) {
        let transformation = try fields.requiredString("transformation")
        self.init(
            pandaID: try fields.requiredInt("PandaID"),
            jobsetID: try fields.int("jobsetID"),
            taskID: try fields.int("taskID"),
            jobDefinitionID: try fields.int("jobDefinitionID"),
            jobName: fields.string("jobName"),
            attemptNr: try fields.int("attemptNr") ?? 0,
            prodSourceLabel: fields.string("prodSourceLabel"),
            prodUserID: fields.string("prodUserID"),
            processingType: fields.string("processingType"),
            currentPriority: try fields.int("currentPriority"),
            cloud: fields.string("cloud"),
            nucleus: fields.string("nucleus"),
            sourceSite: fields.string("sourceSite"),
            destinationSE: fields.string("destinationSE"),
            transformation: transformation,
            jobParameters: fields.values["jobPars"]?.text ?? "",
            swRelease: fields.string("swRelease"),
            homepackage: fields.string("homepackage"),
            cmtConfig: fields.string("cmtConfig"),
            containerName: fields.string("container_name"),
            coreCount: try fields.int("coreCount") ?? 1,
            minRamCountMB: try fields.int("minRamCount"),
            maxDiskCountMB: try fields.int("maxDiskCount"),
            maxWalltimeSeconds: try fields.int("maxWalltime"),
            maxCpuCount: try fields.int("maxCpuCount"),
            resourceType: fields.string("resource_type"),
            transferType: fields.string("transferType"),
            isDebug: fields.flag("debug"),
            loopingCheck: fields.values["loopingCheck"]?.flag ?? true,
            inputs: try Self.inputs(fields),
            outputs: [],
            log: nil,
            allowNoOutput: fields.list("allowNoOutput")?.filter { !$0.isEmpty } ?? [],
            fields: fields
        )
        guard coreCount >= 1 else {
            throw .invalidField(field: "coreCount", value: String(coreCount), expected: "at least 1")
        }
        (outputs, log) = try Self.outputs(fields)
    }

    private static func inputs(_ fields: JobFields) throws(JobDescriptionError) -> [JobInputFile] {
        guard let names = fields.list("inFiles") else { return [] }
        if let empty = names.firstIndex(where: \.isEmpty) {
            throw .invalidField(field: "inFiles", value: fields.string("inFiles") ?? "", expected: "no empty name (entry \(empty + 1))")
        }
        func aligned(_ key: String) throws(JobDescriptionError) -> [String]? {
            try fields.list(key, count: names.count, alignedWith: "inFiles")
        }
        let guids = try aligned("GUID"), scopes = try aligned("scopeIn"), sizes = try aligned("fsize")
        let checksums = try aligned("checksum"), datasets = try aligned("realDatasetsIn")
        let prodBlocks = try aligned("prodDBlocks"), prodTokens = try aligned("prodDBlockToken")
        let dispatchBlocks = try aligned("dispatchDblock"), dispatchTokens = try aligned("dispatchDBlockToken")
        let endpoints = try aligned("ddmEndPointIn"), urls = try aligned("signedURLsIn")

        var files: [JobInputFile] = []
        for (index, lfn) in names.enumerated() {
            var size: Int?
            if let text = entry(sizes, index) {
                guard let value = Int(text), value >= 0 else {
                    throw .invalidField(field: "fsize", value: text, expected: "a size in bytes (entry \(index + 1))")
                }
                size = value
            }
            var checksum: FileChecksum?
            if let text = entry(checksums, index) {
                do { checksum = try FileChecksum(text) } catch {
                    throw .invalidChecksum(field: "checksum", index: index, value: text)
                }
            }
            files.append(JobInputFile(
                lfn: lfn, guid: entry(guids, index), scope: entry(scopes, index), size: size, checksum: checksum,
                dataset: entry(datasets, index), prodDBlock: entry(prodBlocks, index),
                prodDBlockToken: entry(prodTokens, index), dispatchDBlock: entry(dispatchBlocks, index),
                dispatchDBlockToken: entry(dispatchTokens, index), ddmEndpoint: entry(endpoints, index),
                signedURL: entry(urls, index)))
        }
        return files
    }

    private static func outputs(_ fields: JobFields) throws(JobDescriptionError) -> ([JobOutputFile], JobOutputFile?) {
        let listed = fields.list("outFiles") ?? []
        if let empty = listed.firstIndex(where: \.isEmpty) {
            throw .invalidField(field: "outFiles", value: fields.string("outFiles") ?? "", expected: "no empty name (entry \(empty + 1))")
        }
        let logName = fields.string("logFile")
        let logIndex = logName.flatMap { listed.lastIndex(of: $0) }
        // Positions in `listed` of the outputs proper, the log's left out.
        let outputIndices = listed.indices.filter { $0 != logIndex }

        // A list aligned with `listed` (log included) or with the outputs alone; returned as
        // (entry for each output, entry for the log).
        func split(_ key: String) throws(JobDescriptionError) -> ([String?], String?) {
            guard let items = fields.list(key) else { return (outputIndices.map { _ in nil }, nil) }
            if items.count == listed.count {
                return (outputIndices.map { entry(items, $0) }, logIndex.flatMap { entry(items, $0) })
            }
            guard items.count == outputIndices.count else {
                throw .misaligned(field: key, count: items.count, expected: listed.count, alignedWith: "outFiles")
            }
            return (outputIndices.indices.map { entry(items, $0) }, nil)
        }
        let scopes = try split("scopeOut"), datasets = try split("realDatasets")
        let blocks = try split("destinationDblock"), tokens = try split("destinationDBlockToken")
        let elements = try split("fileDestinationSE"), endpoints = try split("ddmEndPointOut")

        let expectedURLs = outputIndices.count + (logName == nil ? 0 : 1)
        let urls = try fields.list("signedURLsOut", count: expectedURLs,
                                   alignedWith: logName == nil ? "outFiles" : "outFiles (without logFile) plus logFile")

        var outputs: [JobOutputFile] = []
        for (position, index) in outputIndices.enumerated() {
            outputs.append(JobOutputFile(
                lfn: listed[index], kind: .output, scope: scopes.0[position], guid: nil, dataset: datasets.0[position],
                destinationDBlock: blocks.0[position], destinationDBlockToken: tokens.0[position],
                destinationSE: elements.0[position], ddmEndpoint: endpoints.0[position], signedURL: entry(urls, position)))
        }
        let log = logName.map { name in
            JobOutputFile(
                lfn: name, kind: .log, scope: fields.string("scopeLog") ?? scopes.1, guid: fields.string("logGUID"),
                dataset: datasets.1, destinationDBlock: blocks.1, destinationDBlockToken: tokens.1,
                destinationSE: elements.1, ddmEndpoint: endpoints.1, signedURL: entry(urls, outputIndices.count))
        }
        return (outputs, log)
    }
}

/// Entry `index` of a list that may be absent; nil for nothing (`""`, `NULL`).
private func entry(_ list: [String]?, _ index: Int) -> String? {
    guard let list, index < list.count, !JobFields.isNothing(list[index]) else { return nil }
    return list[index]
}
