import Foundation
import SiaranTestSupport
import Pipeline
import Store
import Testing

@Suite("Segments: the syntax, and where its mistakes are")
struct SegmentSyntaxTests {
    @Test("conditions on columns and on history, with and, or, not and parentheses")
    func parses() throws {
        #expect(try Segment.parse("city = Jakarta") == .column("city", .equals("Jakarta"), at: 0))
        #expect(try Segment.parse("city in (Jakarta, \"Kota Bogor\") and not tag vip") == .all([
            .column("city", .oneOf(["Jakarta", "Kota Bogor"]), at: 0), .not(.tag("vip", at: 40)),
        ]))
        #expect(try Segment.parse("age between 18 and 30 or (replied within 30 days and never delivered)") == .any([
            .column("age", .range(lower: 18, lowerIncluded: true, upper: 30, upperIncluded: true), at: 0),
            .all([.repliedWithin(days: 30), .neverDelivered]),
        ]))
        #expect(try Segment.parse("unread in last 3 campaigns").historyDepth == 3)
        #expect(try Segment.parse("name contains budi and age < 40").readsHistory == false)
    }

    @Test("a mistake is reported at its place", arguments: [
        ("city ~ Jakarta", 5, "'~' is not a test"),
        ("city = Jakarta and", 18, "a condition is missing here"),
        ("city in (Jakarta, Bandung", 25, "a ')' is missing at the end of the list"),
        ("replied within ten days", 15, "expected a whole number from 1 to 3650"),
        ("age between 30 and x", 19, "'x' is not a number"),
        ("city = \"Jakarta", 7, "the quote opened here is not closed"),
        ("city = Jakarta Bandung", 15, "unexpected 'Bandung'"),
    ])
    func mistakes(text: String, offset: Int, message: String) {
        #expect {
            try Segment.parse(text)
        } throws: { error in
            guard let error = error as? Segment.SyntaxError else { return false }
            return error.offset == offset && error.english.hasPrefix(message)
        }
    }

    @Test("segment: in campaign.yaml names the line and column of the mistake")
    func campaignYAML() throws {
        #expect(throws: CampaignOptions.Problem(line: 2, column: 15, message: "'segment': '~' is not a test; use =, !=, in (…), contains, <, <=, >, >= or between",
                                                indonesian: "'segment': '~' bukan uji; pakai =, !=, in (…), contains, <, <=, >, >= atau between", field: "segment")) {
            try CampaignOptions.parse("name: a\nsegment: city ~ Jakarta\n", defaultTimeZone: "Asia/Jakarta")
        }
        // A list: each item is one condition, all of them must hold; the place is the item's.
        #expect {
            try CampaignOptions.parse("segment:\n  - city = Jakarta\n  - \"read within x days\"\n", defaultTimeZone: "Asia/Jakarta")
        } throws: { error in
            (error as? CampaignOptions.Problem).map { $0.line == 3 && $0.column == 18 } ?? false
        }
        let options = try CampaignOptions.parse("segment: [city = Jakarta, replied within 30 days]\nengagement_guard: off\n", defaultTimeZone: "Asia/Jakarta")
        #expect(options.segment == "(city = Jakarta) and (replied within 30 days)")
        #expect(options.engagementGuard == 0)
        #expect(try CampaignOptions.parse(options.yaml(timeZone: .current), defaultTimeZone: "Asia/Jakarta") == options)
    }
}

@Suite("Segments over the history of several campaigns")
struct SegmentHistoryTests {
    static let ani = "6281200000011", budi = "6281200000012", citra = "6281200000013", dewi = "6281200000014", eko = "6281200000015"
    static let header = "phone,name,city,age,tags"
    static let rows = [
        "\(ani),Ani,Jakarta,25,vip", "\(budi),Budi,Bandung,41,\"vip, grosir\"", "\(citra),Citra,jakarta,33,",
        "\(dewi),Dewi,Bogor,19,grosir", "\(eko),Eko,Jakarta,52,",
    ]

    /// Three real campaigns and a dry-run: Ani reads the latest and replies, Budi and Citra get
    /// delivered but never read, Dewi replies only to the rehearsal, nothing reaches Eko.
    func history(_ kind: TestDatabaseKind) async throws -> HistoryScript {
        var script = try await HistoryScript(kind)
        let everyone = [Self.ani, Self.budi, Self.citra, Self.dewi, Self.eko]
        let db = script.harness.database
        for round in 0..<3 {
            let sent = try await script.campaign(everyone, yaml: "engagement_guard: off\n")
            for phone in [Self.ani, Self.budi, Self.citra, Self.dewi] { try await db.markDelivered(try #require(sent.ids[phone]), at: Date()) }
            if round == 2 {
                try await db.markRead(try #require(sent.ids[Self.ani]), at: Date())
                _ = try await db.recordReply(phone: Self.ani, session: "utama", messageId: "in-ani", text: "Mau", at: Date(), isOptOut: false)
            }
        }
        // (The guard would hold Dewi back: three campaigns, never read.)
        let rehearsal = try await script.campaign([Self.dewi], yaml: "engagement_guard: off\n", rehearsal: true)
        try await db.markRead(try #require(rehearsal.ids[Self.dewi]), at: Date())
        _ = try await db.recordReply(phone: Self.dewi, session: "utama", messageId: "in-dewi", text: "Ya", at: Date(), isOptOut: false)
        return script
    }

    @Test("history and column conditions pick the right contacts; dry-runs are not history; the plan counts who is left out",
          arguments: TestDatabaseKind.allCases)
    func picks(database: TestDatabaseKind) async throws {
        var script = try await history(database)
        let cases: [(String, Set<String>)] = [
            ("replied within 30 days", [Self.ani]),
            ("read within 7 days", [Self.ani]),
            ("unread in last 3 campaigns", [Self.budi, Self.citra, Self.dewi]),
            ("never delivered", [Self.eko]),
            ("city = JAKARTA and not replied within 30 days", [Self.citra, Self.eko]),
            ("tag vip or age between 18 and 20", [Self.ani, Self.budi, Self.dewi]),
            ("city in (Bandung, Bogor) and name contains i", [Self.budi, Self.dewi]),
            ("age > 40", [Self.budi, Self.eko]),
        ]
        for (segment, expected) in cases {
            let sent = try await script.campaign(Self.rows, header: Self.header,
                                                 yaml: "engagement_guard: off\nsegment: \"\(segment)\"\n", rehearsal: true)
            #expect(Set(sent.ids.keys) == expected, "\(segment)")
            let preview = try await script.preview(sent.id)
            #expect(preview.contains("\(5 - expected.count) contacts of the list are outside it"), "\(segment): \(preview)")
        }
    }

    @Test("a segment on a column the list lacks stops the campaign with the reason in errors.txt")
    func missingColumn() async throws {
        var script = try await HistoryScript(.sqlite)
        let sent = try await script.campaign([Self.ani], yaml: "segment: kota = Jakarta\n")
        let campaign = try #require(try await script.harness.database.campaign(sent.id))
        #expect(campaign.state == .failed)
        #expect(campaign.failureReason?.contains("campaign.yaml: segment: contacts.csv has no column 'kota' (its columns: none") == true,
                "\(campaign.failureReason ?? "")")
    }
}
