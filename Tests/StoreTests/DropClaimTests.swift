import Foundation
import SiaranTestSupport
@testable import Store
import Testing

/// Claims on drops in a shared inbox/: one worker takes a drop; a claim left by a worker that died
/// runs out and the drop goes to the next.
@Suite("Cluster: drops claimed before they are taken")
struct DropClaimTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("a drop is claimed by one worker until its claim runs out; then another takes it over", arguments: TestDatabaseKind.allCases)
    func claim(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        let t0 = Self.start

        #expect(try await database.claimDrop(contentHash: "h1", name: "promo", worker: "a", at: t0, duration: 60) == .claimed(takenOverFrom: nil))
        #expect(try await database.claimDrop(contentHash: "h1", name: "promo", worker: "b", at: t0.addingTimeInterval(59), duration: 60)
                == .heldElsewhere(worker: "a", until: t0.addingTimeInterval(60)))
        #expect(try await database.claimDrop(contentHash: "h1", name: "promo", worker: "a", at: t0.addingTimeInterval(30), duration: 60)
                == .claimed(takenOverFrom: nil), "the holder renews its own claim")
        // The same files under another name are another drop.
        #expect(try await database.claimDrop(contentHash: "h1", name: "promo-2", worker: "b", at: t0, duration: 60) == .claimed(takenOverFrom: nil))
        // a died: its renewed claim runs out at t0 + 90, and b takes the drop over.
        #expect(try await database.claimDrop(contentHash: "h1", name: "promo", worker: "b", at: t0.addingTimeInterval(89), duration: 60)
                == .heldElsewhere(worker: "a", until: t0.addingTimeInterval(90)))
        #expect(try await database.claimDrop(contentHash: "h1", name: "promo", worker: "b", at: t0.addingTimeInterval(91), duration: 60)
                == .claimed(takenOverFrom: "a"))
    }

    @Test("eight workers claiming the same drop at the same moment: exactly one gets it", arguments: TestDatabaseKind.allCases)
    func race(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        let outcomes = try await withThrowingTaskGroup(of: DropClaimOutcome.self) { group in
            for worker in 0..<8 {
                group.addTask { try await database.claimDrop(contentHash: "h", name: "promo", worker: "w\(worker)", at: Self.start, duration: 60) }
            }
            return try await group.reduce(into: [DropClaimOutcome]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == .claimed(takenOverFrom: nil) }.count == 1, "\(outcomes)")
    }

    @Test("an intake under another worker's live claim is left to it; campaigns without their ingest checkpoint are listed",
          arguments: TestDatabaseKind.allCases)
    func intakeUnderWay(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        let now = Date()
        _ = try await database.claimDrop(contentHash: "h", name: "promo", worker: "a", at: now, duration: 60)
        try await database.recordAcceptedDrop(DropRecord(id: "d1", name: "promo", contentHash: "h", outcome: "accepted", campaignId: "c1"),
                                              campaign: CampaignRecord(id: "c1", name: "promo", dropId: "d1", spoolPath: "/spool/c1", outboxFolder: "promo"))
        #expect(try await database.campaignsAwaitingIntake() == ["c1"])
        #expect(try await database.otherWorkerTakingDrop(of: "c1", worker: "b", at: now) == "a")
        #expect(try await database.otherWorkerTakingDrop(of: "c1", worker: "a", at: now) == nil, "a's own intake is a's to settle")
        #expect(try await database.otherWorkerTakingDrop(of: "c1", worker: "b", at: now.addingTimeInterval(61)) == nil, "after the claim runs out")
        try await database.markStage(.ingest, campaign: "c1")
        #expect(try await database.campaignsAwaitingIntake().isEmpty)
    }

    @Test("a campaign ends once: the second worker to end it is told so", arguments: TestDatabaseKind.allCases)
    func endOnce(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        try await database.recordAcceptedDrop(DropRecord(id: "d1", name: "promo", contentHash: "h", outcome: "accepted", campaignId: "c1"),
                                              campaign: CampaignRecord(id: "c1", name: "promo", dropId: "d1", spoolPath: "/spool/c1", outboxFolder: "promo"))
        let ends = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<4 { group.addTask { try await database.endCampaign(.done, of: "c1") } }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(ends.filter { $0 }.count == 1, "\(ends)")
        let finished = try await database.events(after: 0, kinds: [.campaignFinished])
        #expect(finished.count == 1)
    }

    @Test("campaigns are found by the folder their files are in, and follow a moved spool", arguments: TestDatabaseKind.allCases)
    func spoolPaths(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        for (id, path) in [("c1", "/srv/state/spool/c1"), ("c2", "/srv/state/spool-old/c2"), ("c3", "/srv/shared/.siaran/spool/c3")] {
            try await database.recordAcceptedDrop(DropRecord(id: "d-\(id)", name: id, contentHash: id, outcome: "accepted", campaignId: id),
                                                  campaign: CampaignRecord(id: id, name: id, dropId: "d-\(id)", spoolPath: path, outboxFolder: id))
        }
        #expect(try await database.campaignsSpooled(under: "/srv/state/spool").map(\.id) == ["c1"])
        try await database.setSpoolPath("/srv/shared/.siaran/spool/c1", of: "c1")
        #expect(try await database.campaignsSpooled(under: "/srv/shared/.siaran/spool/").map(\.id).sorted() == ["c1", "c3"])
    }
}
