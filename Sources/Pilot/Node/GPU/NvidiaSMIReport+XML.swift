/// The `-q -x` reader.
extension NvidiaSMIReport {
    /// Parses `nvidia-smi -q -x`, reading only the handful of elements the probe needs.
    ///
    /// FoundationXML is not linked into the static binary, and the format is simple (no
    /// namespaces, no CDATA), so a small scanner over the tags is enough.
    static func parseQueryXML(_ text: String) throws(GPUParseError) -> NvidiaSMIReport {
        var report = NvidiaSMIReport()
        var sawRoot = false
        try XMLElementScanner.scan(text) { path in
            if path == ["nvidia_smi_log"] { sawRoot = true }
            if path == ["nvidia_smi_log", "gpu"] { report.gpus.append(GPU()) }
        } leaf: { path, raw in
            let value = NvidiaSMIValue.clean(raw)
            guard path.count >= 2, path[0] == "nvidia_smi_log" else { return }
            if path.count == 2 {
                switch path[1] {
                case "driver_version": report.driverVersion = value
                case "cuda_version": report.cudaVersion = value
                case "attached_gpus": report.attachedGPUs = value.flatMap { Int($0) }
                default: break
                }
                return
            }
            guard path[1] == "gpu", !report.gpus.isEmpty else { return }
            let last = report.gpus.count - 1
            switch path.dropFirst(2).joined(separator: "/") {
            case "product_name": report.gpus[last].name = value
            case "uuid": report.gpus[last].uuid = value
            case "minor_number": report.gpus[last].minor = value.flatMap { Int($0) }
            case "mig_mode/current_mig": report.gpus[last].migMode = value
            case "fb_memory_usage/total": report.gpus[last].memoryBytes = value.flatMap { NvidiaSMIValue.bytes(fromMiB: $0) }
            case "pci/pci_bus_id": report.gpus[last].busID = value.flatMap { NvidiaSMIValue.busID($0) }
            default: break
            }
        }
        guard sawRoot else { throw .malformedXML(reason: "no <nvidia_smi_log> element") }
        return report
    }
}

/// A forward-only scan of XML tags: reports each element as it opens and the text of each
/// element that has no children. Attributes, comments, the declaration and DOCTYPE are skipped.
private enum XMLElementScanner {
    static func scan(
        _ text: String,
        open: ([String]) -> Void,
        leaf: ([String], String) -> Void
    ) throws(GPUParseError) {
        let bytes = Array(text.utf8)
        var stack: [String] = []
        var i = 0
        var textStart: Int? = nil  // set after an opening tag, cleared when a child opens
        while i < bytes.count {
            guard bytes[i] == UInt8(ascii: "<") else { i += 1; continue }
            if starts(bytes, at: i, with: "<!--") {
                i = try skip(bytes, from: i, past: "-->")
            } else if starts(bytes, at: i, with: "<?") {
                i = try skip(bytes, from: i, past: "?>")
            } else if starts(bytes, at: i, with: "<!") {
                i = try skip(bytes, from: i, past: ">")
            } else if starts(bytes, at: i, with: "</") {
                let end = try skip(bytes, from: i, past: ">")
                let name = String(decoding: bytes[(i + 2)..<(end - 1)], as: UTF8.self)
                let trimmed = NvidiaSMIValue.trim(name)
                guard stack.last == trimmed else {
                    throw .malformedXML(reason: "</\(trimmed)> closes <\(stack.last ?? "nothing")>")
                }
                if let start = textStart {
                    leaf(stack, decodeEntities(String(decoding: bytes[start..<i], as: UTF8.self)))
                }
                stack.removeLast()
                textStart = nil
                i = end
            } else {
                let end = try skip(bytes, from: i, past: ">")
                let inner = bytes[(i + 1)..<(end - 1)]
                let selfClosing = inner.last == UInt8(ascii: "/")
                let name = String(decoding: inner.prefix(while: { !isNameEnd($0) }), as: UTF8.self)
                guard !name.isEmpty else { throw .malformedXML(reason: "tag without a name at byte \(i)") }
                stack.append(name)
                open(stack)
                if selfClosing {
                    stack.removeLast()
                    textStart = nil
                } else {
                    textStart = end
                }
                i = end
            }
        }
        if let unclosed = stack.last { throw .malformedXML(reason: "<\(unclosed)> is never closed") }
    }

    private static func isNameEnd(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n")
            || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: ">")
    }

    private static func starts(_ bytes: [UInt8], at index: Int, with prefix: String) -> Bool {
        let p = Array(prefix.utf8)
        return index + p.count <= bytes.count && bytes[index..<(index + p.count)].elementsEqual(p)
    }

    /// The index just past the next `terminator`; the document is cut off when there is none.
    private static func skip(_ bytes: [UInt8], from index: Int, past terminator: String) throws(GPUParseError) -> Int {
        let t = Array(terminator.utf8)
        var j = index
        while j + t.count <= bytes.count {
            if bytes[j..<(j + t.count)].elementsEqual(t) { return j + t.count }
            j += 1
        }
        throw .malformedXML(reason: "document ends inside a tag")
    }

    private static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacing("&lt;", with: "<").replacing("&gt;", with: ">")
            .replacing("&quot;", with: "\"").replacing("&apos;", with: "'").replacing("&amp;", with: "&")
    }
}
