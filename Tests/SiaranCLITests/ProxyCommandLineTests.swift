import Foundation
import SiaranTestSupport
import Testing

/// What an operator sees of `whatsapp.proxies` in `siaran config check`.
@Suite("siaran config check: proxies")
struct ProxyCommandLineTests {
    @Test("config check names each session's proxy, its password as ***; a bad one fails with its line")
    func proxies() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-proxy-\(UUID())")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("state"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = CommandLineTests.packageRoot.appendingPathComponent("pipeline.yaml").path

        let good = try await CommandLineTests.run(["config", "check", config], in: folder,
                                                  environment: ["SIARAN_WHATSAPP_PROXY_UTAMA": "socks5h://agen:rahasia@proxy.example:1080"])
        #expect(good.status == 0, "\(good.error)")
        #expect(good.output.contains("whatsapp: session utama connects through the proxy socks5h://agen:***@proxy.example:1080"), "\(good.output)")
        #expect(!(good.output + good.error).contains("rahasia"))

        let yaml = folder.appendingPathComponent("pipeline.yaml")
        try "whatsapp:\n  sessions: [utama]\n  proxies:\n    utama: socks5://agen:rahasia@proxy.example\n".write(to: yaml, atomically: true, encoding: .utf8)
        let bad = try await CommandLineTests.run(["config", "check", yaml.path], in: folder)
        #expect(bad.status == 1)
        #expect(bad.error.contains("pipeline.yaml:4:12: 'whatsapp.proxies.utama' needs a port"), "\(bad.error)")
        #expect(!(bad.output + bad.error).contains("rahasia"))
    }
}
