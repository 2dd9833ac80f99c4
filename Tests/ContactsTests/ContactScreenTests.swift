import Contacts
import Foundation
import Testing

@Suite("Screening rows: dedupe, suppression, outputs")
struct ContactScreenTests {
    @Test("the first occurrence wins, with its variables; later ones name the line they repeat")
    func firstOccurrenceWins() {
        var screen = ContactScreen(configuration: .init())
        let rows = [
            ContactRow(line: 2, input: "0812-1111-2222", variables: ["Budi"]),
            ContactRow(line: 3, input: "+62 812 1111 2222", variables: ["Budi kantor"]),
            ContactRow(line: 4, input: "6281211112222", variables: ["B"]),
            ContactRow(line: 5, input: "081233334444", variables: ["Siti"]),
        ]
        let outcomes = rows.map { screen.screen($0) }
        #expect(outcomes == [
            .accepted(AcceptedContact(phone: PhoneNumber(value: 6_281_211_112_222), line: 2, variables: ["Budi"])),
            .rejected(RejectedRow(line: 3, input: "+62 812 1111 2222", reason: .duplicate, duplicateOf: 2)),
            .rejected(RejectedRow(line: 4, input: "6281211112222", reason: .duplicate, duplicateOf: 2)),
            .accepted(AcceptedContact(phone: PhoneNumber(value: 6_281_233_334_444), line: 5, variables: ["Siti"])),
        ])
        #expect(screen.counts.summary == "accepted=2 rejected=2 duplicates=2")
    }

    @Test("an invalid row never blocks a later valid row of the same number")
    func invalidDoesNotCount() {
        var screen = ContactScreen(configuration: .init(strictMobile: true))
        #expect(screen.screen(ContactRow(line: 1, input: "0812 1111 222X")) == .rejected(RejectedRow(line: 1, input: "0812 1111 222X", reason: .notANumber)))
        if case .accepted = screen.screen(ContactRow(line: 2, input: "081211112222")) {} else { Issue.record("expected accepted") }
    }

    @Test("opted-out numbers are refused in any spelling")
    func optOut() {
        let optOut = OptOutList([PhoneNumber(value: 6_281_211_112_222)])
        var screen = ContactScreen(configuration: .init(), optOut: optOut)
        #expect(screen.screen(ContactRow(line: 1, input: "0812 1111 2222")) == .rejected(RejectedRow(line: 1, input: "0812 1111 2222", reason: .optedOut)))
        #expect(screen.screen(ContactRow(line: 2, input: "+6281211112222")) == .rejected(RejectedRow(line: 2, input: "+6281211112222", reason: .optedOut)))
        #expect(screen.counts.optedOut == 2)
        #expect(screen.counts.duplicates == 0)
    }

    @Test("the compact table handles growth and collisions like a Set")
    func deduplicatorMatchesSet() {
        var deduplicator = Deduplicator()
        var reference: [UInt64: Int] = [:]
        var generator = SystemRandomNumberGenerator()
        for line in 1...50_000 {
            let value = 6_281_000_000_000 + UInt64.random(in: 0..<30_000, using: &generator) * 1_048_576
            let first = deduplicator.record(PhoneNumber(value: value), line: line)
            #expect(first == reference[value])
            if reference[value] == nil { reference[value] = line }
        }
        #expect(deduplicator.count == reference.count)
    }

    @Test("accepted.csv and rejected.csv: exact headers, quoting, first-seen order")
    func csvOutputs() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try ContactListReader(file: TestSupport.fixture("crm-quoted.csv")).check()
        try result.writeAccepted(to: folder.appendingPathComponent("accepted.csv").path)
        try result.writeRejected(to: folder.appendingPathComponent("rejected.csv").path)
        let accepted = try String(contentsOf: folder.appendingPathComponent("accepted.csv"), encoding: .utf8)
        #expect(accepted == """
            phone,name,city,note
            6281255550001,"Santoso, Budi",Jakarta,"Suka ""promo"" diskon"
            6281255550002,Siti,"Bandung, Jawa Barat","baris satu
            baris dua"
            6281255550003,"Andi ""AJ"" Jaya",Surabaya,

            """)
        let rejected = try String(contentsOf: folder.appendingPathComponent("rejected.csv"), encoding: .utf8)
        #expect(rejected == "line,input,reason\n6,0812-5555-0001,duplicate\n")
        // What we write, we read back the same (and no temporary files are left behind).
        var reread: [ContactRow] = []
        try ContactListReader(file: folder.appendingPathComponent("accepted.csv").path).read { reread.append($0) }
        #expect(reread.map(\.variables) == result.accepted.map(\.variables))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == ["accepted.csv", "rejected.csv"])
    }
}
