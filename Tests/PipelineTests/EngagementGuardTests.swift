import Foundation
import SiaranTestSupport
import Pipeline
import Store
import Testing

/// Campaigns run one after another through the pipeline, each one's receipts and replies recorded
/// before the next: the history the engagement guard and segments read.
struct HistoryScript {
    var harness: PipelineHarness
    var serial = 0

    init(_ kind: TestDatabaseKind) async throws {
        harness = try await PipelineHarness(kind)
        // Real sending as far as the history is concerned; the harness still writes dry-run.jsonl.
        harness.configuration.sending.transport = .whatsapp
        harness.configuration.sending.coldDailyCap = 0
    }

    /// Runs one campaign to `phones` (contacts.csv with `extra` columns); returns its id and the
    /// message id of each phone.
    @discardableResult
    mutating func campaign(_ rows: [String], header: String = "phone", yaml: String? = nil, rehearsal: Bool = false) async throws -> (id: String, ids: [String: String]) {
        serial += 1
        harness.configuration.sending.transport = rehearsal ? .dryRun : .whatsapp
        let name = "c\(serial)"
        try harness.drop("\(name)/contacts.csv", ([header] + rows).joined(separator: "\n") + "\n")
        try harness.drop("\(name)/message.txt", "Promo nomor \(serial)")
        if let yaml { try harness.drop("\(name)/campaign.yaml", yaml) }
        _ = try await harness.runOnce()
        let campaign = try #require(try await harness.campaigns().first { $0.name == name })
        var ids: [String: String] = [:]
        for line in try harness.dryRunLines(campaign) { ids[line["to"] as! String] = line["id"] as? String }
        return (campaign.id, ids)
    }

    func rejected(_ id: String) async throws -> String {
        let campaign = try #require(try await harness.database.campaign(id))
        return try String(contentsOfFile: harness.path("outbox/\(campaign.folderName)/rejected.csv"), encoding: .utf8)
    }

    func preview(_ id: String) async throws -> String {
        let campaign = try #require(try await harness.database.campaign(id))
        return try String(contentsOfFile: harness.path("outbox/\(campaign.folderName)/preview.txt"), encoding: .utf8)
    }
}

@Suite("Engagement guard: contacts who ignored their last campaigns are held back")
struct EngagementGuardTests {
    static let reader = "6281200000001", replier = "6281200000002", silent = "6281200000003", newcomer = "6281200000004"

    @Test("after three campaigns, the one who never read nor replied is held back as unengaged; the plan says so",
          arguments: TestDatabaseKind.allCases)
    func holdsBack(database: TestDatabaseKind) async throws {
        var script = try await HistoryScript(database)
        let everyone = [Self.reader, Self.replier, Self.silent]
        for round in 0..<3 {
            let sent = try await script.campaign(everyone)
            try await script.harness.database.markRead(try #require(sent.ids[Self.reader]), at: Date())
            if round == 1 {
                _ = try await script.harness.database.recordReply(phone: Self.replier, session: "utama", messageId: "in-\(round)",
                                                                  text: "Mau", at: Date(), isOptOut: false)
            }
        }
        let fourth = try await script.campaign(everyone + [Self.newcomer])
        #expect(Set(fourth.ids.keys) == [Self.reader, Self.replier, Self.newcomer])
        let rejected = try await script.rejected(fourth.id)
        #expect(rejected.contains("4,\(Self.silent),unengaged"), "\(rejected)")
        let preview = try await script.preview(fourth.id)
        #expect(preview.contains("Engagement guard: 1 held back (they received their last 3 campaigns and never read or replied"), "\(preview)")
        #expect(preview.contains("Penjaga keterlibatan: 1 ditahan"))
    }

    @Test("dry-run campaigns are rehearsals: they do not count towards the guard", arguments: TestDatabaseKind.allCases)
    func rehearsalsDoNotCount(database: TestDatabaseKind) async throws {
        var script = try await HistoryScript(database)
        try await script.campaign([Self.silent])
        try await script.campaign([Self.silent])
        try await script.campaign([Self.silent], rehearsal: true)
        let fourth = try await script.campaign([Self.silent])
        #expect(Array(fourth.ids.keys) == [Self.silent])
        #expect(try await script.harness.database.isRehearsal(campaign: fourth.id) == false)
    }

    @Test("engagement_guard: off in campaign.yaml sends to everyone; a number sets N", arguments: TestDatabaseKind.allCases)
    func override(database: TestDatabaseKind) async throws {
        var script = try await HistoryScript(database)
        try await script.campaign([Self.silent, Self.reader])
        try await script.campaign([Self.silent])
        let off = try await script.campaign([Self.silent], yaml: "engagement_guard: off\n")
        #expect(Array(off.ids.keys) == [Self.silent])
        #expect(try await script.preview(off.id).contains("Engagement guard: off for this campaign"))
        // Two campaigns are enough when the campaign says 2 (the reader got only one).
        let two = try await script.campaign([Self.silent, Self.reader], yaml: "engagement_guard: 2\n")
        #expect(Array(two.ids.keys) == [Self.reader])
    }
}
