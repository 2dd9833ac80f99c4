/// How a contact list file is laid out, as detected by ``ContactListReader``.
public enum ContactListFormat: Sendable, Hashable, CustomStringConvertible {
    /// One number per line; blank lines and `#` comments are skipped.
    case text
    /// Delimited text (CSV, or Excel's "Unicode text" with tabs) with the detected delimiter.
    case delimited(delimiter: Character)
    /// An Excel workbook; the worksheet read.
    case xlsx(sheet: String)

    public var description: String {
        switch self {
        case .text: "text (one number per line)"
        case .delimited(let delimiter):
            "CSV separated by \(delimiter == "\t" ? "tabs" : delimiter == ";" ? "semicolons" : "commas")"
        case .xlsx(let sheet): "Excel workbook, sheet '\(sheet)'"
        }
    }
}
