import Foundation

/// Reads a contact list file row by row: TXT (one number per line), CSV (delimiter, header and
/// encoding detected) or XLSX (first or named worksheet). Nothing is held but the current chunk,
/// so a file of any allowed size reads in a few megabytes.
///
/// Format: a ZIP file is read as a workbook whatever its name; `.csv`/`.tsv` as delimited text;
/// any other text file as delimited when its first line holds `,`, `;` or a tab or is a phone
/// header such as `phone` or `nomor`, and otherwise as one number per line.
///
/// ```swift
/// let reader = ContactListReader(file: "inbox/promo/contacts.csv")
/// try reader.read(header: { print($0.variableNames) }) { row in
///     print(row.line, row.input, row.variables)
/// }
/// ```
public struct ContactListReader: Sendable {
    /// The file as the caller named it (errors repeat it).
    public var file: String
    /// Size and row limits, and the rules used to recognise a phone column without a header.
    public var configuration: ContactsConfiguration
    /// The worksheet to read from an `.xlsx` (matched without case); nil reads the first.
    public var sheet: String?

    public init(file: String, configuration: ContactsConfiguration = ContactsConfiguration(), sheet: String? = nil) {
        self.file = file
        self.configuration = configuration
        self.sheet = sheet
    }

    /// Reads the whole file in order: `header` once (before any row, also for an empty list), then
    /// `row` for every data row. Blank rows, `#` comment lines (TXT) and the header row are skipped.
    ///
    /// - Throws: ``ContactsError`` when the file cannot be read as a contact list (missing, too
    ///   large, too many rows, binary, not UTF-8/UTF-16, no phone column, damaged workbook), or
    ///   whatever `header` or `row` throw, which stops the read.
    public func read(
        header: (ContactListHeader) throws -> Void = { _ in },
        row: (ContactRow) throws -> Void
    ) throws {
        try read(open(), header: header, row: row)
    }

    /// A file checked and opened, its kind decided, nothing parsed yet.
    enum OpenedList {
        case lines(TextByteSource)
        case delimited(TextByteSource)
        case workbook
    }

    func open() throws(ContactsError) -> OpenedList {
        let probe = try FileProbe.probe(file, maxFileBytes: configuration.maxFileBytes)
        switch probe.kind {
        case .zip:
            return .workbook
        case .legacyExcel:
            throw ContactsError(.legacyExcel, file: file)
        case .binary(let kind):
            throw ContactsError(.binary(kind), file: file)
        case .text:
            let fileExtension = (file as NSString).pathExtension.lowercased()
            if fileExtension == "xlsx" {
                throw ContactsError(.invalidWorkbook("the file is named .xlsx but is not a workbook"), file: file)
            }
            let source = try TextByteSource(file: file, maxFileBytes: configuration.maxFileBytes)
            if fileExtension == "csv" || fileExtension == "tsv" || Self.looksDelimited(source.window) {
                return .delimited(source)
            }
            return .lines(source)
        }
    }

    func read(_ opened: OpenedList, header: (ContactListHeader) throws -> Void, row: (ContactRow) throws -> Void) throws {
        var rows = 0
        let maxRows = configuration.maxRows
        let file = self.file
        func deliver(_ contact: ContactRow) throws {
            rows += 1
            if rows > maxRows { throw ContactsError(.tooManyRows(limit: maxRows), file: file, line: contact.line) }
            try row(contact)
        }
        switch opened {
        case .workbook: try readWorkbook(header: header, row: deliver)
        case .delimited(let source): try readDelimited(source, header: header, row: row)
        case .lines(let source): try readLines(source, header: header, row: deliver)
        }
    }

    // MARK: - Text

    private func readLines(
        _ source: TextByteSource, header: (ContactListHeader) throws -> Void, row: (ContactRow) throws -> Void
    ) throws {
        try header(ContactListHeader(format: .text, phoneColumn: nil, variableNames: []))
        let file = self.file
        try TextLineScanner.scan(source) { line, bytes in
            let trimmed = TextLineScanner.trimmed(bytes)
            guard let first = trimmed.first, first != UInt8(ascii: "#") else { return }
            try row(ContactRow(line: line, input: try TextLineScanner.string(trimmed, file: file, line: line)))
        }
    }

    private func readDelimited(
        _ source: TextByteSource, header: (ContactListHeader) throws -> Void, row: (ContactRow) throws -> Void
    ) throws {
        var rows = delimitedRows(source)
        var scanner = DelimitedRecordScanner(delimiter: Self.delimiter(of: rows.format))
        try scanner.scan(source) { line, fields in
            let taken = try rows.take(line: line, fields: fields)
            if let found = taken.header { try header(found) }
            if let data = taken.row { try row(data) }
        }
        if rows.layout == nil { try header(rows.header) }
    }

    func delimitedRows(_ source: TextByteSource) -> DelimitedRows {
        let delimiter = DelimitedRecordScanner.detectDelimiter(source.window)
        let format = ContactListFormat.delimited(delimiter: Character(Unicode.Scalar(delimiter)))
        return DelimitedRows(file: file, format: format, normalizer: PhoneNormalizer(configuration: configuration), maxRows: configuration.maxRows)
    }

    static func delimiter(of format: ContactListFormat) -> UInt8 {
        if case .delimited(let delimiter) = format, let byte = delimiter.asciiValue { return byte }
        return UInt8(ascii: ",")
    }

    /// Whether the first line that is not blank or a `#` comment holds a delimiter or is a phone header.
    static func looksDelimited(_ window: UnsafeBufferPointer<UInt8>) -> Bool {
        var lineStart = 0
        while lineStart < window.count {
            var lineEnd = lineStart
            while lineEnd < window.count, window[lineEnd] != 0x0A, window[lineEnd] != 0x0D { lineEnd += 1 }
            let line = TextLineScanner.trimmed(UnsafeBufferPointer(rebasing: window[lineStart..<lineEnd]))
            if let first = line.first, first != UInt8(ascii: "#") {
                if line.contains(where: { $0 == 0x09 || $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: ",") }) { return true }
                let text = String(decoding: line, as: UTF8.self)
                return ColumnLayout.phoneHeaderNames.contains(ColumnLayout.matchKey(text))
            }
            lineStart = lineEnd + 1
        }
        return false
    }

    // MARK: - Workbook

    private func readWorkbook(header: (ContactListHeader) throws -> Void, row: (ContactRow) throws -> Void) throws {
        let package = try XLSXPackage(file: file, maxFileBytes: configuration.maxFileBytes)
        let workbook = try XLSXWorkbook.load(package)
        let chosen: XLSXWorkbook.Sheet
        if let sheet {
            guard let match = workbook.sheets.first(where: { $0.name == sheet })
                ?? workbook.sheets.first(where: { $0.name.lowercased() == sheet.lowercased() })
            else {
                throw ContactsError(.sheetNotFound(sheet, available: workbook.sheets.map(\.name)), file: file)
            }
            chosen = match
        } else {
            chosen = workbook.sheets[0]
        }
        var sharedStrings: [String] = []
        if let path = workbook.sharedStringsPath, package.contains(path) {
            let url = try package.temporaryCopy(of: path)
            defer { try? FileManager.default.removeItem(at: url) }
            sharedStrings = try XLSXSharedStrings.load(from: url, file: file)
        }
        let sheetURL = try package.temporaryCopy(of: chosen.path)
        defer { try? FileManager.default.removeItem(at: sheetURL) }

        let format = ContactListFormat.xlsx(sheet: chosen.name)
        let normalizer = PhoneNormalizer(configuration: configuration)
        let restoresZero = configuration.countryCode == "62" && configuration.convertLocalPrefix
        let file = self.file
        var layout: ColumnLayout?
        try XLSXSheetParser.parse(url: sheetURL, sharedStrings: sharedStrings, file: file) { line, cells in
            guard let last = cells.last else { return }
            var fields = Array(repeating: "", count: min(last.column, 16_383) + 1)
            var numeric = Array(repeating: false, count: fields.count)
            for cell in cells where cell.column < fields.count {
                fields[cell.column] = cell.text.trimmingCharacters(in: .whitespaces)
                numeric[cell.column] = cell.isNumber
            }
            guard let layout else {
                guard let detected = ColumnLayout.detect(firstRow: fields, normalizer: normalizer) else {
                    throw ContactsError(.noPhoneColumn(headers: fields), file: file, line: line)
                }
                layout = detected
                try header(ContactListHeader(format: format, phoneColumn: detected.phoneColumnName, variableNames: detected.variableNames))
                if !detected.hasHeaderRow {
                    try row(Self.restoringZero(detected.row(line: line, fields: fields), numeric: numeric, layout: detected, when: restoresZero))
                }
                return
            }
            try row(Self.restoringZero(layout.row(line: line, fields: fields), numeric: numeric, layout: layout, when: restoresZero))
        }
        if layout == nil { try header(ContactListHeader(format: format, phoneColumn: nil, variableNames: [])) }
    }

    /// Excel stores `08123456789` typed into a number cell as 8123456789: for Indonesian lists the
    /// trunk zero is put back, so the number is read as the local number it was.
    private static func restoringZero(_ row: ContactRow, numeric: [Bool], layout: ColumnLayout, when enabled: Bool) -> ContactRow {
        guard enabled, layout.phoneIndex < numeric.count, numeric[layout.phoneIndex], row.input.utf8.first == UInt8(ascii: "8")
        else { return row }
        var row = row
        row.input = "0" + row.input
        return row
    }
}
