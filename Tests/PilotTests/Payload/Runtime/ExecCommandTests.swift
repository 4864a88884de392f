import Foundation
import Testing

/// `pilot exec` in real namespaces: isolation, binds, environment, exit codes.
@Suite("pilot exec, end to end", .enabled(if: BusyboxImage.unavailable == nil, "\(BusyboxImage.unavailable ?? "")"))
struct ExecCommandTests {
    private func exec(_ options: [String], _ command: String, environment: [String: String?] = [:]) throws -> PilotBinary.Result {
        try PilotBinary.run(["exec", "--image", BusyboxImage.path] + options + ["--", "/bin/sh", "-c", command], environment: environment)
    }

    @Test("the payload runs in its own PID namespace under the pilot's init, which is PID 1")
    func pidNamespace() throws {
        let result = try exec([], "echo $$; cat /proc/1/comm; ls /proc | grep -c '^[0-9]'")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first == "2")
        #expect(lines.dropFirst().first == "pilot-init")
        // init, the shell, ls and grep: nothing of the host's.
        #expect((Int(lines.last ?? "") ?? 99) <= 5)
    }

    @Test("a read-only bind refuses writes with EROFS; /srv is writable and the file appears on the host")
    func binds() throws {
        let work = BusyboxImage.scratch("binds")
        let data = BusyboxImage.scratch("data")
        try "x".write(toFile: data + "/existing", atomically: true, encoding: .utf8)
        let result = try exec(["--workdir", work, "--bind", "\(data):/cvmfs:ro"],
                              "cat /cvmfs/existing; touch /cvmfs/new 2>&1; echo payload >/srv/out; pwd; touch /etc/x 2>&1; true")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("touch: /cvmfs/new: Read-only file system"))
        #expect(result.stdout.contains("touch: /etc/x: Read-only file system"))
        #expect(result.stdout.contains("\n/srv\n"))
        #expect(try String(contentsOfFile: work + "/out", encoding: .utf8) == "payload\n")
        #expect(!FileManager.default.fileExists(atPath: data + "/new"))
    }

    @Test("the payload's environment is only what it was given: a token in the pilot's stays outside")
    func cleanEnvironment() throws {
        let result = try exec(["--env", "JOB=42", "--env", "ODD=a=b c"], "env | sort",
                              environment: ["PANDA_AUTH_TOKEN": "secret-token-value", "X509_USER_PROXY": "/tmp/x509up"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stdout.contains("secret-token-value"))
        #expect(!result.stdout.contains("X509_USER_PROXY"))
        #expect(result.stdout.contains("JOB=42\n"))
        #expect(result.stdout.contains("ODD=a=b c\n"))
    }

    @Test("exit codes: the payload's own, 128+N for a signal, 127 not found, 126 not executable")
    func exitCodes() throws {
        #expect(try exec([], "exit 7").status == 7)
        #expect(try exec([], "kill -TERM $$").status == 128 + SIGTERM)
        let missing = try PilotBinary.run(["exec", "--image", BusyboxImage.path, "--", "/no/such/program"])
        #expect(missing.status == 127)
        #expect(missing.stderr.contains("command not found in the image: /no/such/program"))
        let work = BusyboxImage.scratch("noexec")
        _ = FileManager.default.createFile(atPath: work + "/script", contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o644])
        let denied = try PilotBinary.run(["exec", "--image", BusyboxImage.path, "--workdir", work, "--", "/srv/script"])
        #expect(denied.status == 126, "\(denied.stderr)")
        let badImage = try PilotBinary.run(["exec", "--image", "/no/such/image", "--", "true"])
        #expect(badImage.status == 125)
        #expect(badImage.stderr.contains("/no/such/image"))
    }

    @Test("root's payload keeps no capability and runs with no_new_privs")
    func capabilities() throws {
        let result = try exec([], "grep -E '^(CapEff|CapBnd|NoNewPrivs)' /proc/self/status")
        #expect(result.stdout.contains("CapEff:\t0000000000000000"))
        #expect(result.stdout.contains("CapBnd:\t0000000000000000"))
        #expect(result.stdout.contains("NoNewPrivs:\t1"))
    }

    @Test("orphans are reaped by the container's init: no zombie inside or on the host")
    func noZombies() throws {
        let result = try exec([], "for i in 1 2 3; do (sh -c 'sleep 0.1' &); done; sleep 1; ps -o stat,comm | grep -c '^Z' || true")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    @Test("--result writes the outcome as JSON, with the CPU of the whole tree")
    func resultFile() throws {
        let work = BusyboxImage.scratch("result")
        let result = try exec(["--result", work + "/result.json"], "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; exit 3")
        #expect(result.status == 3)
        let data = try Data(contentsOf: URL(fileURLWithPath: work + "/result.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["exit_code"] as? Int == 3)
        #expect(json["status"] as? Int == 3)
        #expect(json["signal"] is NSNull)
        #expect((json["user_cpu_seconds"] as? Double ?? 0) > 0.05)
        #expect((json["max_rss_kb"] as? Int ?? 0) > 100)
        #expect(json["killed_by_pilot"] as? Bool == false)
        #expect(json["runtime"] as? String == "builtin")
    }
}
