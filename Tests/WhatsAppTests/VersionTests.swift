import Foundation
import Testing
@testable import WhatsApp

@Suite("WhatsApp Web version")
struct VersionTests {
    @Test("the revision is found in WhatsApp Web's page and service worker, escaped or not")
    func parse() {
        #expect(WhatsAppVersion.parseClientRevision(from: #"...,"client_revision":1047769893,"server_revision":1..."#)?.tertiary == 1_047_769_893)
        #expect(WhatsAppVersion.parseClientRevision(from: #"self.__swData={\"client_revision\": 1050000001,\"x\":1}"#)?.tertiary == 1_050_000_001)
        #expect(WhatsAppVersion.parseClientRevision(from: "<html>nothing here</html>") == nil)
        #expect(WhatsAppVersion(parsing: "2.3000.1047769893") == .shippedDefault)
        #expect(WhatsAppVersion(parsing: "2.3000") == nil)
        #expect(WhatsAppVersion.shippedDefault.buildHash.count == 16)
    }

    @Test("a configured version wins; a fetched one is cached for a day; without network the shipped default is used")
    func current() async throws {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("wa-version-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: cache) }
        let configured = WhatsAppVersion(primary: 2, secondary: 3000, tertiary: 1_000_000_001)
        #expect(await WhatsAppVersion.current(configured: configured, cache: cache, fetch: { nil }) == configured)
        #expect(await WhatsAppVersion.current(configured: nil, cache: cache, fetch: { nil }) == .shippedDefault)
        let fresh = WhatsAppVersion(primary: 2, secondary: 3000, tertiary: 1_060_000_000)
        #expect(await WhatsAppVersion.current(configured: nil, cache: cache, fetch: { fresh }) == fresh)
        // Cached: no second fetch within a day.
        #expect(await WhatsAppVersion.current(configured: nil, cache: cache, fetch: { Issue.record("fetched again"); return nil }) == fresh)
    }
}
