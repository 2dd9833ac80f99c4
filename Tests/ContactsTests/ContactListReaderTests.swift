import Contacts
import Foundation
import Testing

@Suite("Reading TXT and CSV contact lists")
struct ContactListReaderTests {
    /// Reads a fixture into its header and rows.
    func read(_ name: String, configuration: ContactsConfiguration = .init()) throws -> (ContactListHeader?, [ContactRow]) {
        var header: ContactListHeader?
        var rows: [ContactRow] = []
        try ContactListReader(file: TestSupport.fixture(name), configuration: configuration)
            .read(header: { header = $0 }) { rows.append($0) }
        return (header, rows)
    }

    func readError(_ name: String, configuration: ContactsConfiguration = .init()) -> ContactsError? {
        do {
            _ = try read(name, configuration: configuration)
            return nil
        } catch {
            return error as? ContactsError
        }
    }

    @Test("TXT: one number per line, blank lines and # comments skipped, true line numbers")
    func textFile() throws {
        let (header, rows) = try read("numbers.txt")
        #expect(header?.format == .text)
        #expect(header?.variableNames == [])
        #expect(rows.map(\.line) == [2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 19])
        #expect(rows.first?.input == "0812-3456-7890")
        #expect(rows[7].input == "'081234567896")
        #expect(rows.last?.input == "081299990000")
    }

    @Test("TXT: a numbers file screened gives the documented reasons")
    func textFileScreened() throws {
        let result = try ContactListReader(file: TestSupport.fixture("numbers.txt")).check()
        #expect(result.accepted.map(\.phone.description) == [
            "6281234567890", "6281234567891", "6281234567892", "6281234567893", "6281234567894",
            "6281234567895", "6281234567896", "6281234567897", "6281299990000",
        ])
        #expect(result.rejected.map { "\($0.line):\($0.reason)" } == [
            "9:duplicate", "12:scientific-notation", "13:not-a-number", "14:too-short", "15:wrong-country",
            "16:too-long", "17:duplicate",
        ])
        #expect(result.rejected.first?.duplicateOf == 2)
        #expect(result.rejected.last?.duplicateOf == 2)
        #expect(result.counts.summary == "accepted=9 rejected=7 duplicates=2")
    }

    @Test("CSV from Indonesian Excel: BOM, semicolons, CRLF, header with spaces")
    func semicolonCSV() throws {
        let (header, rows) = try read("pelanggan-semicolon.csv")
        #expect(header == ContactListHeader(format: .delimited(delimiter: ";"), phoneColumn: "No HP", variableNames: ["nama", "kota"]))
        #expect(rows == [
            ContactRow(line: 2, input: "0812-1111-2222", variables: ["Budi Santoso", "Jakarta"]),
            ContactRow(line: 3, input: "+62 813 3333 4444", variables: ["Siti Aminah", "Bandung"]),
            ContactRow(line: 5, input: "08121111222 2", variables: ["Andi", "Surabaya"]),
            ContactRow(line: 6, input: "6281311114444", variables: ["Rina", ""]),
            ContactRow(line: 7, input: "abc", variables: ["Dewi", "Medan"]),
        ])
    }

    @Test("CSV with quoted fields holding commas, quotes and line breaks keeps line numbers right")
    func quotedCSV() throws {
        let (header, rows) = try read("crm-quoted.csv")
        #expect(header?.format == .delimited(delimiter: ","))
        #expect(header?.variableNames == ["name", "city", "note"])
        #expect(rows == [
            ContactRow(line: 2, input: "0812 5555 0001", variables: ["Santoso, Budi", "Jakarta", "Suka \"promo\" diskon"]),
            ContactRow(line: 3, input: "+6281255550002", variables: ["Siti", "Bandung, Jawa Barat", "baris satu\nbaris dua"]),
            ContactRow(line: 5, input: "081255550003", variables: ["Andi \"AJ\" Jaya", "Surabaya", ""]),
            ContactRow(line: 6, input: "0812-5555-0001", variables: ["Budi lagi", "Jakarta", "duplikat"]),
        ])
        let result = try ContactListReader(file: TestSupport.fixture("crm-quoted.csv")).check()
        #expect(result.counts.summary == "accepted=3 rejected=1 duplicates=1")
        #expect(result.rejected == [RejectedRow(line: 6, input: "0812-5555-0001", reason: .duplicate, duplicateOf: 2)])
        #expect(result.accepted.first?.variables == ["Santoso, Budi", "Jakarta", "Suka \"promo\" diskon"])
    }

    @Test("Excel 'Unicode text' (UTF-16 LE with BOM, tabs) and UTF-16 BE CSV, emoji and CJK intact",
          arguments: ["excel-unicode-text.txt", "utf16be.csv"])
    func utf16(_ name: String) throws {
        let (header, rows) = try read(name)
        #expect(header?.phoneColumn == "WhatsApp")
        #expect(header?.variableNames == ["nama", "kota"])
        #expect(rows.map(\.input) == ["081277770001", "+62 812 7777 0002", "081277770003"])
        #expect(rows.map(\.variables) == [["Budi", "Jakarta"], ["Siti 😀", "Denpasar"], ["Koji 田中", "Tokyo"]])
        #expect(rows.map(\.line) == [2, 3, 4])
    }

    @Test("a list without a header row finds the phone column by its content")
    func headerless() throws {
        let (header, rows) = try read("headerless.csv")
        #expect(header?.phoneColumn == nil)
        #expect(header?.variableNames == ["column1", "column3"])
        #expect(rows == [
            ContactRow(line: 1, input: "081288880001", variables: ["Budi", "Jakarta"]),
            ContactRow(line: 2, input: "081288880002", variables: ["Siti", "Bogor"]),
        ])
    }

    @Test("lone carriage returns (old Mac exports) end lines too")
    func carriageReturns() throws {
        let (_, rows) = try read("mac-cr.txt")
        #expect(rows == [
            ContactRow(line: 1, input: "081299990001"), ContactRow(line: 2, input: "081299990002"),
            ContactRow(line: 4, input: "081299990003"),
        ])
    }

    @Test("files that are not contact lists fail with the file, the line and a plain reason", arguments: [
        ("no-phone-column.csv", ContactsError.Code.noPhoneColumn(headers: ["nama", "kota"]), 1 as Int?),
        ("latin1.csv", .notUTF8, 3),
        ("unterminated.csv", .unterminatedQuote, 2),
        ("picture.txt", .binary("a PNG picture"), nil),
        ("old-excel.xls", .legacyExcel, nil),
        ("nul-bytes.txt", .binary("binary data (it contains NUL bytes)"), nil),
        ("fake.xlsx", .invalidWorkbook("the file is named .xlsx but is not a workbook"), nil),
        ("does-not-exist.txt", .notFound, nil),
    ])
    func failures(_ name: String, _ code: ContactsError.Code, _ line: Int?) {
        let error = readError(name)
        #expect(error?.code == code)
        #expect(error?.line == line)
        #expect(error?.file == TestSupport.fixture(name))
        #expect(error?.description.hasPrefix(TestSupport.fixture(name) + ":") == true)
    }

    @Test("a folder is not a contact list")
    func folder() {
        let error = #expect(throws: ContactsError.self) {
            try ContactListReader(file: TestSupport.fixture("")).read { _ in }
        }
        #expect(error?.code == .notAFile)
    }

    @Test("a file over the size limit is refused before reading")
    func sizeLimit() {
        let error = readError("numbers.txt", configuration: .init(maxFileBytes: 100))
        #expect(error?.code == .tooLarge(bytes: 292, limit: 100))
        #expect(error?.reason.contains("contacts.max_file_bytes") == true)
    }

    @Test("a list with more rows than allowed stops at the first row too many")
    func rowLimit() {
        let error = readError("numbers.txt", configuration: .init(maxRows: 5))
        #expect(error?.code == .tooManyRows(limit: 5))
        #expect(error?.line == 8)
    }

    @Test("an empty file is an empty list, not an error", arguments: ["", "\n\n# nothing yet\n", "\u{FEFF}"])
    func emptyFiles(_ content: String) throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("numbers.txt").path
        try content.write(toFile: file, atomically: true, encoding: .utf8)
        var headers = 0
        var rows = 0
        try ContactListReader(file: file).read(header: { _ in headers += 1 }) { _ in rows += 1 }
        #expect(headers == 1)
        #expect(rows == 0)
    }

    @Test("records crossing chunk boundaries (multi-megabyte files, quoted line breaks, UTF-16) read intact",
          arguments: [String.Encoding.utf8, .utf16LittleEndian, .utf16BigEndian])
    func largeFiles(_ encoding: String.Encoding) throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var text = "nama,no_hp,catatan\r\n"
        var expected: [ContactRow] = []
        var line = 2
        for index in 0..<60_000 {
            let note = index % 7 == 0 ? "baris \(index)\nlanjut, \"kutip\" 😀" : "catatan \(index) é"
            let quotedNote = "\"" + note.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            text += "Nama \(index),0812\(String(format: "%08d", index)),\(quotedNote)\r\n"
            expected.append(ContactRow(line: line, input: "0812\(String(format: "%08d", index))", variables: ["Nama \(index)", note]))
            line += index % 7 == 0 ? 2 : 1
        }
        let file = folder.appendingPathComponent("contacts.csv")
        var data = Data()
        switch encoding {
        case .utf16LittleEndian: data = Data([0xFF, 0xFE])
        case .utf16BigEndian: data = Data([0xFE, 0xFF])
        default: break
        }
        data.append(text.data(using: encoding)!)
        try data.write(to: file)
        #expect(data.count > 2_000_000)
        var rows: [ContactRow] = []
        try ContactListReader(file: file.path).read { rows.append($0) }
        #expect(rows.count == expected.count)
        #expect(rows == expected)
    }

    @Test("a runaway line or record (no line break for megabytes) is refused, not buffered", arguments: [
        ("numbers.txt", "081211112222\n", 3_000_000, ContactsError.Code.lineTooLong(limit: 1 << 20)),
        ("numbers.txt", "081211112222\n", 9_000_000, .lineTooLong(limit: 1 << 20)),
        ("contacts.csv", "phone,note\n081211112222,\"", 3_000_000, .unterminatedQuote),
        ("contacts.csv", "phone,note\n081211112222,\"", 9_000_000, .lineTooLong(limit: 1 << 20)),
    ])
    func runawayLine(_ name: String, _ prefix: String, _ size: Int, _ code: ContactsError.Code) throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent(name).path
        try (Data(prefix.utf8) + Data(repeating: UInt8(ascii: "7"), count: size)).write(to: URL(fileURLWithPath: file))
        let error = #expect(throws: ContactsError.self) { try ContactListReader(file: file).read { _ in } }
        #expect(error?.code == code)
        #expect(error?.line == 2)
    }

    @Test("a .txt whose first line is a header or holds delimiters is read as CSV")
    func textDetection() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let single = folder.appendingPathComponent("a.txt").path
        try "Nomor HP\n081211112222\n".write(toFile: single, atomically: true, encoding: .utf8)
        var header: ContactListHeader?
        var rows: [ContactRow] = []
        try ContactListReader(file: single).read(header: { header = $0 }) { rows.append($0) }
        #expect(header?.phoneColumn == "Nomor HP")
        #expect(rows == [ContactRow(line: 2, input: "081211112222")])
    }

    @Test("the opt-out file loads every valid number and ignores the rest; a missing file is empty")
    func optOutFile() throws {
        let list = try OptOutList.load(file: TestSupport.fixture("optout.txt"), configuration: .init())
        #expect(list.count == 2)
        #expect(list.contains(PhoneNumber(value: 6_281_234_567_891)))
        #expect(list.contains(PhoneNumber(value: 6_281_234_567_890)))
        #expect(try OptOutList.load(file: TestSupport.fixture("missing-optout.txt"), configuration: .init()).count == 0)
    }

    @Test("opted-out numbers are refused on every row, never as duplicates")
    func optOutScreening() throws {
        let optOut = try OptOutList.load(file: TestSupport.fixture("optout.txt"), configuration: .init())
        let result = try ContactListReader(file: TestSupport.fixture("numbers.txt")).check(optOut: optOut)
        #expect(result.rejected.filter { $0.reason == .optedOut }.map(\.line) == [2, 3, 9, 17])
        #expect(result.counts.summary == "accepted=7 rejected=9 duplicates=0")
        #expect(result.counts.optedOut == 4)
    }
}
