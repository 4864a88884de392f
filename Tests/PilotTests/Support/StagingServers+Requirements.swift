import Foundation

/// Whether the staging servers can run on this machine, and why not.
extension StagingServers {
    /// Whether the servers can run here: nginx with the modules, python3, openssl (and curl,
    /// which the tests drive them with).
    static var isUsable: Bool { missingRequirements.isEmpty }

    /// Why staging server tests skip, or "" when they can run.
    static var skipReason: String {
        missingRequirements.isEmpty ? "" : "staging servers need " + missingRequirements.joined(separator: ", ")
    }

    /// nginx's path, from PATH or /usr/sbin.
    static let nginxBinary: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"]
        return directories.map { $0 + "/nginx" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    fileprivate static let missingRequirements: [String] = {
        var missing: [String] = []
        if let nginxBinary {
            let configure = output(of: nginxBinary, ["-V"])
            let modules = ["http_secure_link_module", "http_dav_module", "http_ssl_module"]
            let absent = modules.filter { !configure.contains("--with-\($0)") }
            if !absent.isEmpty { missing.append("nginx built with \(absent.joined(separator: ", ")) (apt-get install nginx)") }
        } else {
            missing.append("nginx (apt-get install nginx)")
        }
        for (tool, package) in [(python, "python3"), ("/usr/bin/openssl", "openssl"), ("/usr/bin/curl", "curl"),
                                ("/usr/bin/setsid", "util-linux")]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            missing.append("\(tool) (apt-get install \(package))")
        }
        return missing
    }()

    /// stdout and stderr of a short command together ("" if it cannot run).
    fileprivate static func output(of executable: String, _ arguments: [String]) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        guard (try? process.run()) != nil else { return "" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
