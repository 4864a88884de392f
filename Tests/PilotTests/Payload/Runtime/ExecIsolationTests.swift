import Foundation
import Testing

/// What the payload may not do (seccomp), what it still may (ptrace, nested containers when
/// allowed), and the limits of its cgroup. Host programs (python3, strace, unshare) are bound in.
@Suite("pilot exec: seccomp and limits in real namespaces", .enabled(if: BusyboxImage.unavailable == nil, "\(BusyboxImage.unavailable ?? "")"))
struct ExecIsolationTests {
    private let mountProbe = """
        import ctypes, os
        libc = ctypes.CDLL(None, use_errno=True)
        rc = libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)
        print("mount", rc, os.strerror(ctypes.get_errno()) if rc else "ok")
        """

    private func exec(_ options: [String], _ command: [String]) throws -> PilotBinary.Result {
        try PilotBinary.run(["exec", "--image", BusyboxImage.path] + BusyboxImage.hostPrograms + options + ["--"] + command)
    }

    @Test("mount() fails with EPERM under the default filter")
    func mountDenied() throws {
        let result = try exec([], ["python3", "-c", mountProbe])
        #expect(result.stdout.contains("mount -1 Operation not permitted"), "\(result.stdout) \(result.stderr)")
    }

    @Test("a nested user namespace may mount with --seccomp none, and not under the default filter")
    func nestedMount() throws {
        // A payload of its own uid (not a capability-less root) may map itself in a new namespace.
        let script = "unshare -Urm sh -c 'mount -t tmpfs none /tmp && echo mounted' 2>&1"
        let open = try exec(["--user", "65534", "--seccomp", "none"], ["/bin/sh", "-c", script])
        #expect(open.stdout.contains("mounted"), "\(open.stdout) \(open.stderr)")
        let denied = try exec(["--user", "65534"], ["/bin/sh", "-c", script])
        #expect(denied.stdout.contains("Operation not permitted"), "\(denied.stdout)")
        #expect(!denied.stdout.contains("mounted"))
        let nested = try exec(["--user", "65534", "--allow-nested"], ["/bin/sh", "-c", script])
        #expect(nested.stdout.contains("mounted"), "--allow-nested lets payloads start containers: \(nested.stdout)")
    }

    @Test("ptrace stays allowed: strace runs under the default filter")
    func ptraceAllowed() throws {
        let result = try exec([], ["strace", "-f", "-o", "/dev/null", "/bin/true"])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test("the payload runs as --user, and its files on the host belong to that user")
    func runAsUser() throws {
        let work = BusyboxImage.scratch("user")
        let result = try PilotBinary.run(["exec", "--image", BusyboxImage.path, "--workdir", work, "--user", "65534:65534", "--",
                                          "/bin/sh", "-c", "id -u; touch /srv/mine"])
        #expect(result.stdout == "65534\n", "\(result.stderr)")
        let owner = try FileManager.default.attributesOfItem(atPath: work + "/mine")[.ownerAccountID] as? Int
        #expect(owner == 65534)
    }

    @Test("a memory hog over --memory is reported as out of memory, not as a crash",
          .enabled(if: BusyboxImage.cgroupsUsable, "needs a cgroup the pilot can make (root, v1 memory or v2)"))
    func outOfMemory() throws {
        let (run, result) = try BusyboxImage.execWithResult(BusyboxImage.hostPrograms + ["--memory", "64M"],
                                                            ["python3", "-c", "x = bytearray(256 << 20); print('survived')"])
        #expect(run.status == 128 + SIGKILL)
        #expect(!run.stdout.contains("survived"))
        #expect(result["out_of_memory"] as? Bool == true)
        #expect(result["killed_by_pilot"] as? Bool == false)
        #expect(result["limits_enforced"] as? Bool == true)
        let peak = result["max_rss_kb"] as? Int ?? 0
        #expect(peak > 32 * 1024 && peak <= 64 * 1024 + 64, "peak \(peak) kB")
    }

    @Test("a fork bomb stops at --pids, and nothing of it is left",
          .enabled(if: BusyboxImage.cgroupsUsable, "needs a cgroup the pilot can make (root, v1 pids or v2)"))
    func forkBomb() throws {
        let marker = "fork-bomb-\(Int.random(in: 100_000...999_999))"
        let bomb = """
            import os, time  # \(marker)
            n = 0
            try:
                for i in range(100):
                    if os.fork() == 0:
                        time.sleep(60)
                        os._exit(0)
                    n += 1
            except OSError as e:
                print("fork failed", e.errno)
            print("started", n)
            """
        let (run, result) = try BusyboxImage.execWithResult(BusyboxImage.hostPrograms + ["--pids", "16", "--timeout", "20"], ["python3", "-c", bomb])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("fork failed \(EAGAIN)"), "\(run.stdout)")
        let started = Int(run.stdout.split(separator: " ").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 99
        #expect(started < 16, "\(run.stdout)")
        #expect(result["limits_enforced"] as? Bool == true)
        let left = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { pid in
            Int(pid) != nil && (FileManager.default.contents(atPath: "/proc/\(pid)/cmdline").map { String(decoding: $0, as: UTF8.self).contains(marker) } ?? false)
        }
        #expect(left.isEmpty, "survivors: \(left)")
    }

    @Test("the whole tree's CPU is counted: children reaped by the container's init included")
    func treeCPU() throws {
        // Three burns, one after another, each in a process orphaned at once: the container's init
        // reaps it, not the shell. Each writes its own /proc/PID/stat when done, so the test knows
        // what CPU they used whatever the machine's load (CPU time per loop varies by half on a
        // busy CI machine, which made ratios between two runs unreliable). Counted, the total is at
        // least their sum; lost, it is only the waiting shell's.
        let burn = "i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done"
        let orphan = { (n: Int) in
            "(sh -c '\(burn); cat /proc/$$/stat > /tmp/stat\(n); touch /tmp/done\(n)' &); "
                + "while [ ! -e /tmp/done\(n) ]; do sleep 0.05; done; cat /tmp/stat\(n)"
        }
        let script = (1...3).map(orphan).joined(separator: "; ")
        let (run, result) = try BusyboxImage.execWithResult([], ["/bin/sh", "-c", script])
        #expect(run.status == 0, "\(run.stderr)")
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let burns = run.stdout.split(separator: "\n").compactMap { line -> Double? in
            // pid (comm) state ppid … utime stime: fields 14 and 15, the 12th and 13th after ")".
            guard let close = line.lastIndex(of: ")") else { return nil }
            let fields = line[line.index(after: close)...].split(separator: " ")
            guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
            return (user + system) / ticks
        }
        #expect(burns.count == 3, "\(run.stdout)")
        let sum = burns.reduce(0, +)
        let total = (result["user_cpu_seconds"] as? Double ?? 0) + (result["system_cpu_seconds"] as? Double ?? 0)
        #expect(sum > 0.1, "the burns used \(burns) s")
        // Ticks round each burn down by up to 10 ms; the waiting shell adds a little.
        #expect(total >= sum - 0.03, "counted \(total) s, the orphans alone used \(sum) s")
        #expect(total < sum * 2 + 1, "counted \(total) s for \(sum) s of orphans: counted twice?")
    }
}
