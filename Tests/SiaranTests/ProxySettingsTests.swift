import Foundation
import Testing
import WASocket
@testable import Siaran

/// `whatsapp.proxies` in pipeline.yaml and `SIARAN_WHATSAPP_PROXY_<NAME>`: read per session, bad
/// URLs and unknown sessions reported with file and line, passwords never repeated.
@Suite("Configuration: proxies")
struct ProxySettingsTests {
    private func issues(_ yaml: String, environment: [String: String] = [:]) -> [ConfigurationError.Issue] {
        do {
            _ = try ConfigurationLoader(environment: environment).load(yaml: yaml, file: "pipeline.yaml")
            return []
        } catch let error as ConfigurationError {
            return error.issues
        } catch {
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    @Test("each named session gets its proxy; others connect directly")
    func reads() throws {
        let c = try ConfigurationLoader(environment: [:]).load(yaml: """
            whatsapp:
              sessions: [utama, cadangan, ketiga]
              proxies:
                utama: socks5://agen:rahasia@proxy.example:1080
                cadangan: http://proxy.example:3128
            """, file: "pipeline.yaml")
        #expect(c.whatsapp.proxies["utama"] == ProxyConfiguration(kind: .socks5, host: "proxy.example", port: 1080, username: "agen", password: "rahasia"))
        #expect(c.whatsapp.proxies["cadangan"] == ProxyConfiguration(kind: .http, host: "proxy.example", port: 3128))
        #expect(c.whatsapp.proxies["ketiga"] == nil)
        #expect(!"\(c.whatsapp)".contains("rahasia"))
    }

    @Test("a bad proxy URL names pipeline.yaml, its line and why, without the password")
    func badURL() {
        let found = issues("""
            whatsapp:
              sessions: [utama]
              proxies:
                utama: socks4://agen:rahasia@proxy.example:1080
            """)
        #expect(found.map(\.description) == [
            "pipeline.yaml:4:12: 'whatsapp.proxies.utama' uses the scheme 'socks4'; Siaran speaks socks5, socks5h and http proxies",
        ])
        let noPort = issues("whatsapp:\n  sessions: [utama]\n  proxies:\n    utama: \"http://agen:rahasia@proxy.example\"\n")
        #expect(noPort.count == 1 && noPort[0].line == 4 && noPort[0].message.contains("needs a port"), "\(noPort)")
        #expect(!noPort.description.contains("rahasia"))
        let notText = issues("whatsapp:\n  sessions: [utama]\n  proxies:\n    utama: [a, b]\n")
        #expect(notText.count == 1 && notText[0].line == 4 && notText[0].message.contains("must be a proxy URL"), "\(notText)")
    }

    @Test("a proxy for a session that is not in whatsapp.sessions is refused at its line")
    func unknownSession() {
        let found = issues("""
            whatsapp:
              sessions: [utama]
              proxies:
                utama: socks5h://proxy.example:1080
                cadangn: http://proxy.example:3128
            """)
        #expect(found.map(\.description) == [
            "pipeline.yaml:5:5: 'whatsapp.proxies' names the session 'cadangn', which is not in 'whatsapp.sessions' (utama)",
        ])
    }

    @Test("SIARAN_WHATSAPP_PROXY_<NAME> sets or replaces a session's proxy; a bad one is reported without its password")
    func environment() throws {
        let c = try ConfigurationLoader(environment: ["SIARAN_WHATSAPP_PROXY_CADANGAN_2": "socks5h://agen:rahasia@10.1.1.1:1080"]).load(yaml: """
            whatsapp:
              sessions: [utama, cadangan-2]
              proxies: {cadangan-2: "http://proxy.example:3128"}
            """, file: "pipeline.yaml")
        #expect(c.whatsapp.proxies["cadangan-2"] == ProxyConfiguration(kind: .socks5h, host: "10.1.1.1", port: 1080, username: "agen", password: "rahasia"))
        let bad = issues("whatsapp:\n  sessions: [utama]\n", environment: ["SIARAN_WHATSAPP_PROXY_UTAMA": "socks5://agen:rahasia@host"])
        #expect(bad.count == 1 && bad[0].message.hasPrefix("environment variable SIARAN_WHATSAPP_PROXY_UTAMA needs a port"), "\(bad)")
        #expect(!bad.description.contains("rahasia"))
        let unknown = issues("whatsapp:\n  sessions: [utama]\n", environment: ["SIARAN_WHATSAPP_PROXY_LAIN": "http://h:3128"])
        #expect(unknown.count == 1 && unknown[0].message.contains("names no session"), "\(unknown)")
    }
}
