/// A contact list that could not be read at all, with the file, the line when one is to blame,
/// and a reason staff can act on. Rows that are merely invalid are not errors: they become
/// ``RejectedRow``s.
public struct ContactsError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// No file at that path.
        case notFound
        /// A folder, device or other non-regular file.
        case notAFile
        /// The operating system refused to open or read it.
        case unreadable(String)
        /// Bigger than `contacts.max_file_bytes`.
        case tooLarge(bytes: Int, limit: Int)
        /// More data rows than `contacts.max_rows`.
        case tooManyRows(limit: Int)
        /// Not text: NUL bytes or a known binary format (a picture, a PDF…).
        case binary(String)
        /// Text that is neither UTF-8 nor UTF-16 with a byte order mark.
        case notUTF8
        /// An Excel 97–2003 `.xls` workbook, which is not read; it must be saved as `.xlsx` or CSV.
        case legacyExcel
        /// One line (or CSV record) longer than any contact row can be.
        case lineTooLong(limit: Int)
        /// A quoted CSV field that is never closed.
        case unterminatedQuote
        /// The header row names no phone column.
        case noPhoneColumn(headers: [String])
        /// An `.xlsx` that is damaged or not a workbook.
        case invalidWorkbook(String)
        /// The requested worksheet does not exist.
        case sheetNotFound(String, available: [String])
    }

    public var code: Code
    /// The file as the caller named it.
    public var file: String
    /// The line (CSV/TXT) or worksheet row (XLSX) to blame, when there is one.
    public var line: Int?

    public init(_ code: Code, file: String, line: Int? = nil) {
        self.code = code
        self.file = file
        self.line = line
    }

    /// The reason alone, in words staff understand.
    public var reason: String {
        switch code {
        case .notFound: "the file does not exist"
        case .notAFile: "it is not a regular file"
        case .unreadable(let detail): "the file cannot be read (\(detail))"
        case .tooLarge(let bytes, let limit):
            "the file is \(Self.size(bytes)), more than the limit of \(Self.size(limit)) (contacts.max_file_bytes)"
        case .tooManyRows(let limit): "the list has more than \(limit) rows (contacts.max_rows); split it into smaller files"
        case .binary(let kind): "this is not a contact list but \(kind)"
        case .notUTF8:
            "the text is not UTF-8; save it as \"CSV UTF-8\" (Excel) or \"Unicode text\", or as UTF-8 in a text editor"
        case .legacyExcel: "this is an old Excel 97-2003 .xls workbook; save it as .xlsx or as \"CSV UTF-8\""
        case .lineTooLong(let limit): "the line is longer than \(Self.size(limit)); this is not a contact list"
        case .unterminatedQuote: "a quoted field (starting with \") is never closed"
        case .noPhoneColumn(let headers):
            "no phone column: the header row has \(headers.map { "'\($0)'" }.joined(separator: ", ")); name the column phone, nomor, no_hp, hp, telepon, whatsapp or wa"
        case .invalidWorkbook(let detail): "the .xlsx workbook is damaged or not a workbook (\(detail))"
        case .sheetNotFound(let name, let available):
            "the workbook has no sheet named '\(name)'; it has \(available.map { "'\($0)'" }.joined(separator: ", "))"
        }
    }

    /// `FILE:LINE: reason` (or `FILE: reason`), the form every Siaran error takes.
    public var description: String {
        if let line { return "\(file):\(line): \(reason)" }
        return "\(file): \(reason)"
    }

    static func size(_ bytes: Int) -> String {
        if bytes >= 1_048_576 { return "\(Double(bytes * 10 / 1_048_576) / 10) MB" }
        if bytes >= 1024 { return "\(bytes / 1024) KB" }
        return "\(bytes) bytes"
    }
}
