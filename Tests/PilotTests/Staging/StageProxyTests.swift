import Foundation
import Testing
@testable import Pilot

/// Proxies come from the environment, as libcurl reads them (`http_proxy`, `https_proxy`,
/// `no_proxy`): plain HTTP forwarded, HTTPS tunnelled with CONNECT and still verified end to end.
@Suite("stage through a proxy from the environment", .serialized, .enabled(if: StagingServers.isUsable, "needs nginx and python3"))
struct StageProxyTests {
    @Test("http_proxy forwards a signed GET, https_proxy tunnels one (TLS verified through it), no_proxy bypasses it")
    func proxies() throws {
        let servers = try StagingServers()
        let file = try servers.addFile("proxied.bin", size: 1 << 20, seed: 7)
        let proxy = try ScriptServer("forward-proxy.py", ["--log", "{dir}/requests.log"])
        defer { proxy.tearDown() }
        let directory = proxy.directory
        let proxyURL = proxy.url()
        let requests = { proxy.text("requests.log") }
        let clean: [String: String?] = ["http_proxy": nil, "https_proxy": nil, "HTTPS_PROXY": nil, "no_proxy": nil, "NO_PROXY": nil, "ALL_PROXY": nil]

        var environment = clean
        environment["http_proxy"] = proxyURL
        let plain = try PilotBinary.run(["stage", "get", servers.signedURL(path: file.path), directory + "/a.bin", "--checksum", "ad:\(file.adler32)"],
                                        environment: environment)
        #expect(plain.status == 0, "\(plain.stderr)")
        #expect(requests().contains("GET http://127.0.0.1:"), "\(requests())")

        environment = clean
        environment["https_proxy"] = proxyURL
        let tunnelled = try PilotBinary.run(["stage", "get", servers.signedURL(path: file.path, tls: true), directory + "/b.bin",
                                             "--checksum", "ad:\(file.adler32)", "--cacert", servers.caCertificatePath], environment: environment)
        #expect(tunnelled.status == 0, "\(tunnelled.stderr)")
        #expect(requests().contains("CONNECT 127.0.0.1:"), "\(requests())")

        let before = requests().count
        environment["http_proxy"] = proxyURL
        environment["no_proxy"] = "127.0.0.1"
        let bypassed = try PilotBinary.run(["stage", "get", servers.signedURL(path: file.path), directory + "/c.bin", "--checksum", "ad:\(file.adler32)"],
                                           environment: environment)
        #expect(bypassed.status == 0, "\(bypassed.stderr)")
        #expect(requests().count == before, "no_proxy: the proxy saw nothing more")
        for name in ["a.bin", "b.bin", "c.bin"] {
            #expect(FileManager.default.contents(atPath: directory + "/" + name)?.count == file.size)
        }
    }
}
