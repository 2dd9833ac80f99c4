import Foundation
import Testing

/// `siaran contacts check` run as staff and scripts run it.
@Suite("siaran contacts check")
struct ContactsCommandTests {
    static let fixtures = CommandLineTests.packageRoot.appendingPathComponent("Tests/ContactsTests/Fixtures")

    func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-contacts-cli-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test("writes accepted.csv and rejected.csv and prints one summary line")
    func check() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("hasil")
        let result = try await CommandLineTests.run(
            ["contacts", "check", Self.fixtures.appendingPathComponent("crm-quoted.csv").path, "--out", out.path], in: folder
        )
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "accepted=3 rejected=1 duplicates=1\n")
        let accepted = try String(contentsOf: out.appendingPathComponent("accepted.csv"), encoding: .utf8)
        #expect(accepted.hasPrefix("phone,name,city,note\n6281255550001,\"Santoso, Budi\",Jakarta,"))
        let rejected = try String(contentsOf: out.appendingPathComponent("rejected.csv"), encoding: .utf8)
        #expect(rejected == "line,input,reason\n6,0812-5555-0001,duplicate\n")
    }

    @Test("--country and --min-digits change the rules; the opt-out list in state/ is honoured")
    func options() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("state"), withIntermediateDirectories: true)
        try "+62 812-3456-7891\n".write(to: folder.appendingPathComponent("state/optout.txt"), atomically: true, encoding: .utf8)
        let numbers = Self.fixtures.appendingPathComponent("numbers.txt").path
        let strict = try await CommandLineTests.run(["contacts", "check", numbers, "--min-digits", "14"], in: folder)
        #expect(strict.status == 0, "\(strict.error)")
        // Every 13-digit number is now too short (checked before the opt-out list).
        #expect(strict.output == "accepted=0 rejected=16 duplicates=0\n")
        var rejected = try String(contentsOf: folder.appendingPathComponent("rejected.csv"), encoding: .utf8)
        #expect(rejected.contains("\n2,0812-3456-7890,too-short\n"))

        let suppressed = try await CommandLineTests.run(["contacts", "check", numbers], in: folder)
        #expect(suppressed.output == "accepted=8 rejected=8 duplicates=2\n")
        rejected = try String(contentsOf: folder.appendingPathComponent("rejected.csv"), encoding: .utf8)
        #expect(rejected.contains("\n3,+62 812 3456 7891,opted-out\n"))

        try "+60 12-345 6789\n+62 812 3456 7890\n".write(to: folder.appendingPathComponent("malaysia.txt"), atomically: true, encoding: .utf8)
        let malaysia = try await CommandLineTests.run(["contacts", "check", "malaysia.txt", "--country", "+60", "--min-digits", "11"], in: folder)
        #expect(malaysia.status == 0, "\(malaysia.error)")
        #expect(malaysia.output == "accepted=1 rejected=1 duplicates=0\n")
        rejected = try String(contentsOf: folder.appendingPathComponent("rejected.csv"), encoding: .utf8)
        #expect(rejected == "line,input,reason\n2,+62 812 3456 7890,wrong-country\n")
    }

    @Test("bad rule flags are usage errors")
    func badFlags() async throws {
        let result = try await CommandLineTests.run(["contacts", "check", "x.txt", "--min-digits", "20"])
        #expect(result.status == 64)
        #expect(result.error.contains("minimum digits"))
    }

    @Test("a list where every row is refused still exits 0")
    func allRefused() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try "abc\n12345\n".write(to: folder.appendingPathComponent("numbers.txt"), atomically: true, encoding: .utf8)
        let result = try await CommandLineTests.run(["contacts", "check", "numbers.txt"], in: folder)
        #expect(result.status == 0)
        #expect(result.output == "accepted=0 rejected=2 duplicates=0\n")
    }

    @Test("an unreadable list exits 2 naming the file and the reason", arguments: [
        ("picture.txt", "this is not a contact list but a PNG picture"),
        ("latin1.csv", ":3: the text is not UTF-8"),
        ("missing.csv", "the file does not exist"),
        ("old-excel.xls", "old Excel 97-2003 .xls workbook"),
    ])
    func unreadable(_ name: String, _ message: String) async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = Self.fixtures.appendingPathComponent(name).path
        let result = try await CommandLineTests.run(["contacts", "check", path], in: folder)
        #expect(result.status == 2)
        #expect(result.output.isEmpty)
        #expect(result.error.contains(path))
        #expect(result.error.contains(message), "\(result.error)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("accepted.csv").path))
    }
}

/// `siaran contacts segment` previews who a segment reaches before a campaign is dropped.
@Suite("siaran contacts segment")
struct ContactsSegmentCommandTests {
    @Test("counts the matching contacts, leaves opted-out numbers out and writes them; a syntax mistake names its column")
    func segment() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-segment-cli-\(UUID())")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("state"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "0812-0000-0003\n".write(to: folder.appendingPathComponent("state/optout.txt"), atomically: true, encoding: .utf8)
        try """
            phone,name,city,age
            081200000001,Ani,Jakarta,25
            081200000002,Budi,Bandung,41
            081200000003,Citra,Jakarta,33
            081200000004,Dewi,jakarta,52
            """.write(to: folder.appendingPathComponent("contacts.csv"), atomically: true, encoding: .utf8)
        let result = try await CommandLineTests.run(["contacts", "segment", "contacts.csv", "--where", "city = Jakarta and age < 50", "--out", "jakarta.csv"],
                                                    in: folder)
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output == "rows=4 usable=3 opted_out=1 outside_segment=2 matching=1\nwrote jakarta.csv\n")
        let written = try String(contentsOf: folder.appendingPathComponent("jakarta.csv"), encoding: .utf8)
        #expect(written == "phone,name,city,age\n6281200000001,Ani,Jakarta,25\n")

        let mistake = try await CommandLineTests.run(["contacts", "segment", "contacts.csv", "--where", "city ~ Jakarta"], in: folder)
        #expect(mistake.status == 2)
        #expect(mistake.error.contains("--where:1:6: '~' is not a test"), "\(mistake.error)")
        let column = try await CommandLineTests.run(["contacts", "segment", "contacts.csv", "--where", "age > 1 and kota = Bogor"], in: folder)
        #expect(column.status == 2)
        #expect(column.error.contains("--where:1:13: contacts.csv has no column 'kota' (its columns: name, city, age)"), "\(column.error)")
    }
}
