import CSiaranXLSXWriter
import Contacts
import Foundation
import Testing
import ZIPFoundation

@Suite("Reading XLSX workbooks")
struct XLSXReaderTests {
    struct ExpectedRow: Decodable, Equatable {
        var line: Int
        var input: String
        var variables: [String]
    }

    func rows(_ file: String, sheet: String? = nil, configuration: ContactsConfiguration = .init()) throws -> (ContactListHeader?, [ContactRow]) {
        var header: ContactListHeader?
        var rows: [ContactRow] = []
        try ContactListReader(file: file, configuration: configuration, sheet: sheet).read(header: { header = $0 }) { rows.append($0) }
        return (header, rows)
    }

    @Test("a workbook written by openpyxl reads cell for cell as Python wrote it, on every sheet")
    func openpyxlWorkbook() async throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("kontak.xlsx").path
        let json = try await TestSupport.runPython("make_workbook.py", arguments: [file])
        let expected = try JSONDecoder().decode([String: [ExpectedRow]].self, from: json)
        #expect(expected.keys.sorted() == ["Besar", "Kontak", "VIP"])
        for (sheet, expectedRows) in expected {
            let (header, read) = try rows(file, sheet: sheet == "Kontak" ? nil : sheet.lowercased())
            #expect(header?.format == .xlsx(sheet: sheet))
            #expect(read.map { ExpectedRow(line: $0.line, input: $0.input, variables: $0.variables) } == expectedRows, "sheet \(sheet)")
        }
        let (header, _) = try rows(file)
        #expect(header?.phoneColumn == "Nomor WA")
        #expect(header?.variableNames == ["nama", "kota", "poin"])

        let result = try ContactListReader(file: file).check()
        #expect(result.accepted.map(\.phone.description) == [
            "6281234567890", "6281234567801", "628123456702", "628123456789012", "6281234567803", "6281234567804",
            "6281234567805",
        ])
        #expect(result.rejected.map(\.reason) == [.scientificNotation])
    }

    @Test("a workbook written by libxlsxwriter (shared strings, numbers as doubles) reads exactly")
    func libxlsxwriterWorkbook() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("crm.xlsx").path
        let workbook = workbook_new(file)
        let cover = workbook_add_worksheet(workbook, "Sampul")
        worksheet_write_string(cover, 0, 0, "Daftar pelanggan", nil)
        let sheet = workbook_add_worksheet(workbook, "Pelanggan")
        let table: [[Any]] = [
            ["Nama Lengkap", "Kota", "No. HP"],
            ["Budi", "Jakarta", 6_281_234_567_890.0],
            ["Siti & \"Sahabat\"", "Bandung", "+62 812-3456-7801"],
            ["Andi", "Surabaya", 8_123_456_702.0],
            ["Rina", "Medan", 628_123_456_789_012.0],
        ]
        for (r, row) in table.enumerated() {
            for (c, value) in row.enumerated() {
                if let text = value as? String {
                    worksheet_write_string(sheet, lxw_row_t(r), lxw_col_t(c), text, nil)
                } else if let number = value as? Double {
                    worksheet_write_number(sheet, lxw_row_t(r), lxw_col_t(c), number, nil)
                }
            }
        }
        #expect(workbook_close(workbook) == LXW_NO_ERROR)

        let entries = try Archive(url: URL(fileURLWithPath: file), accessMode: .read).map(\.path)
        #expect(entries.contains("xl/sharedStrings.xml"))
        let (header, read) = try rows(file, sheet: "Pelanggan")
        #expect(header == ContactListHeader(format: .xlsx(sheet: "Pelanggan"), phoneColumn: "No. HP", variableNames: ["nama_lengkap", "kota"]))
        #expect(read == [
            ContactRow(line: 2, input: "6281234567890", variables: ["Budi", "Jakarta"]),
            ContactRow(line: 3, input: "+62 812-3456-7801", variables: ["Siti & \"Sahabat\"", "Bandung"]),
            ContactRow(line: 4, input: "08123456702", variables: ["Andi", "Surabaya"]),
            ContactRow(line: 5, input: "628123456789012", variables: ["Rina", "Medan"]),
        ])
        // The first sheet has no phone column: the error says so and names the row.
        let error = #expect(throws: ContactsError.self) { _ = try rows(file) }
        #expect(error?.code == .noPhoneColumn(headers: ["Daftar pelanggan"]))
        #expect(error?.line == 1)
    }

    @Test("hand-written parts: prefixed XML, rich text with phonetic runs, inline strings, E-notation, formulas, errors")
    func handWrittenWorkbook() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("tangan.xlsx")
        try HandWorkbook.write(to: file, sheet: HandWorkbook.sheet)
        let (header, read) = try rows(file.path)
        #expect(header == ContactListHeader(format: .xlsx(sheet: "Data"), phoneColumn: "HP", variableNames: ["nama", "vip"]))
        #expect(read == [
            ContactRow(line: 3, input: "0812 7000 0001", variables: ["Budi", ""]),
            ContactRow(line: 4, input: "6281270000002", variables: ["Siti & Co", "TRUE"]),
            ContactRow(line: 5, input: "08127000003", variables: ["Formula", ""]),
            ContactRow(line: 6, input: "#N/A", variables: ["", "FALSE"]),
            ContactRow(line: 7, input: "6281270000000000000000", variables: ["Besar", "12.5"]),
        ])
    }

    @Test("damaged and hostile workbooks fail with a clear reason")
    func badWorkbooks() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }

        let badIndex = folder.appendingPathComponent("index.xlsx")
        try HandWorkbook.write(to: badIndex, sheet: #"<worksheet><sheetData><row r="1"><c t="s"><v>1</v></c></row><row r="2"><c t="s"><v>99</v></c></row></sheetData></worksheet>"#)
        let indexError = #expect(throws: ContactsError.self) { _ = try rows(badIndex.path) }
        #expect(indexError?.line == 2)
        if case .invalidWorkbook(let detail) = indexError?.code { #expect(detail.contains("99")) } else { Issue.record("wrong code \(String(describing: indexError))") }

        let bomb = folder.appendingPathComponent("bomb.xlsx")
        try HandWorkbook.write(to: bomb, sheet: "<worksheet><sheetData>" + String(repeating: " ", count: 400_000) + "</sheetData></worksheet>")
        let size = try FileManager.default.attributesOfItem(atPath: bomb.path)[.size] as! Int
        let bombError = #expect(throws: ContactsError.self) { _ = try rows(bomb.path, configuration: .init(maxFileBytes: size + 1000)) }
        if case .tooLarge = bombError?.code {} else { Issue.record("expected tooLarge, got \(String(describing: bombError))") }

        let missing = #expect(throws: ContactsError.self) { _ = try rows(bomb.path, sheet: "Kontak") }
        #expect(missing?.code == .sheetNotFound("Kontak", available: ["Data"]))

        let notWorkbook = folder.appendingPathComponent("photos.zip")
        let archive = try Archive(url: notWorkbook, accessMode: .create)
        try HandWorkbook.add("hello.txt", "hello", to: archive)
        let zipError = #expect(throws: ContactsError.self) { _ = try rows(notWorkbook.path) }
        #expect(zipError?.code == .invalidWorkbook("a ZIP archive, but not an Excel workbook"))

        let broken = folder.appendingPathComponent("broken.xlsx")
        try HandWorkbook.write(to: broken, sheet: #"<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>phone</t></is></c></row><row r="2"><c><v>6281"#)
        let xmlError = #expect(throws: ContactsError.self) { _ = try rows(broken.path) }
        if case .invalidWorkbook = xmlError?.code {} else { Issue.record("expected invalidWorkbook, got \(String(describing: xmlError))") }
    }
}

/// A minimal workbook assembled part by part, to reach what common writers never produce.
enum HandWorkbook {
    static let sheet = #"""
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>
        <x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c><x:c r="B1" t="s"><x:v>1</x:v></x:c><x:c r="C1" t="inlineStr"><x:is><x:t>VIP</x:t></x:is></x:c></x:row>
        <x:row r="3"><x:c r="A3" t="s"><x:v>2</x:v></x:c><x:c r="B3" t="s"><x:v>3</x:v></x:c></x:row>
        <x:row r="4"><x:c r="A4" t="inlineStr"><x:is><x:t>Siti &amp; Co</x:t></x:is></x:c><x:c r="B4"><x:v>6.2812700000020E+12</x:v></x:c><x:c r="C4" t="b"><x:v>1</x:v></x:c></x:row>
        <x:row><x:c t="str"><x:f>"Formula"</x:f><x:v>Formula</x:v></x:c><x:c><x:v>8127000003</x:v></x:c></x:row>
        <x:row r="6"><x:c r="B6" t="e"><x:v>#N/A</x:v></x:c><x:c r="C6" t="b"><x:v>0</x:v></x:c></x:row>
        <x:row r="7"><x:c r="A7" t="s"><x:v>4</x:v></x:c><x:c r="B7"><x:v>6.28127E+21</x:v></x:c><x:c r="C7"><x:v>1.25E1</x:v></x:c></x:row>
        </x:sheetData></x:worksheet>
        """#

    static let sharedStrings = #"""
        <?xml version="1.0" encoding="UTF-8"?>
        <sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="5" uniqueCount="5">
        <si><t>Nama</t></si><si><t>HP</t></si>
        <si><r><rPr><b/></rPr><t>Bu</t></r><r><t xml:space="preserve">di </t></r><rPh sb="0" eb="2"><t>ブディ</t></rPh></si>
        <si><t xml:space="preserve"> 0812 7000 0001 </t></si><si><t>Besar</t></si>
        </sst>
        """#

    static func write(to url: URL, sheet: String) throws {
        let archive = try Archive(url: url, accessMode: .create)
        try add("_rels/.rels", #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/xl/workbook.xml"/></Relationships>"#, to: archive)
        try add("xl/workbook.xml", #"<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><x:sheets><x:sheet name="Data" sheetId="1" r:id="rId7"/></x:sheets></x:workbook>"#, to: archive)
        try add("xl/_rels/workbook.xml.rels", #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="strings/shared.xml"/><Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="sheets/../worksheets/data.xml"/></Relationships>"#, to: archive)
        try add("xl/strings/shared.xml", sharedStrings, to: archive)
        try add("xl/worksheets/data.xml", sheet, to: archive)
    }

    static func add(_ path: String, _ text: String, to archive: Archive) throws {
        let data = Data(text.utf8)
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }
    }
}
