import Foundation
import Logging
import SiaranTestSupport
@testable import Siaran
import Store
import Testing

/// An installation that moves to PostgreSQL (or sets cluster.shared_dir) keeps its campaigns:
/// their files move from state/spool to the shared spool and the database follows.
@Suite("Cluster: the spool moves to the shared folder")
struct SpoolRelocationTests {
    @Test("campaign files move from the old spool to the shared one, whole, and the database records where", arguments: TestDatabaseKind.allCases)
    func relocate(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("spool-move-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        let old = root.appendingPathComponent("state/spool").path, new = root.appendingPathComponent("shared/.siaran/spool").path
        let folder = (old as NSString).appendingPathComponent("c1")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "081234567890\n".write(toFile: (folder as NSString).appendingPathComponent("numbers.txt"), atomically: true, encoding: .utf8)
        try await test.database.recordAcceptedDrop(DropRecord(id: "d1", name: "promo", contentHash: "h", outcome: "accepted", campaignId: "c1"),
                                                   campaign: CampaignRecord(id: "c1", name: "promo", dropId: "d1", spoolPath: folder, outboxFolder: "promo"))
        // A campaign spooled elsewhere already stays where it is.
        try await test.database.recordAcceptedDrop(DropRecord(id: "d2", name: "other", contentHash: "h2", outcome: "accepted", campaignId: "c2"),
                                                   campaign: CampaignRecord(id: "c2", name: "other", dropId: "d2", spoolPath: "/elsewhere/c2", outboxFolder: "other"))

        let relocation = SpoolRelocation(from: old, to: new, database: test.database, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        #expect(try await relocation.run() == 1)
        let moved = try #require(try await test.database.campaign("c1"))
        #expect(moved.spoolPath == (new as NSString).appendingPathComponent("c1"))
        #expect(try String(contentsOfFile: (moved.spoolPath as NSString).appendingPathComponent("numbers.txt"), encoding: .utf8) == "081234567890\n")
        #expect(!FileManager.default.fileExists(atPath: folder))
        #expect(try await test.database.campaign("c2")?.spoolPath == "/elsewhere/c2")
        #expect(try await relocation.run() == 0, "a second start finds nothing left to move")
    }
}
