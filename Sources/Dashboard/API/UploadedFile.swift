import Foundation

/// Checks on uploaded files by content, never by name alone.
enum UploadedFile {
    enum ImageKind: String { case jpg, png, webp }

    /// The image format from the first bytes; nil for anything else.
    static func imageKind(_ data: Data) -> ImageKind? {
        let bytes = [UInt8](data.prefix(12))
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpg }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.count == 12, bytes[0..<4] == [0x52, 0x49, 0x46, 0x46], bytes[8..<12] == [0x57, 0x45, 0x42, 0x50] { return .webp }
        return nil
    }

    /// Contacts lists: `.txt`/`.csv` as UTF-8 text, `.xlsx` as a ZIP; the name given in the drop.
    static func contactsName(filename: String?, data: Data) throws -> String {
        let ext = ((filename ?? "numbers.txt") as NSString).pathExtension.lowercased()
        switch ext {
        case "xlsx":
            guard data.starts(with: [0x50, 0x4B, 0x03, 0x04]) else { throw DashboardError(.badRequest, "\(filename ?? "contacts.xlsx") is not an Excel workbook") }
            return "contacts.xlsx"
        case "csv":
            guard String(data: data, encoding: .utf8) != nil else { throw DashboardError(.badRequest, "\(filename ?? "contacts.csv") is not UTF-8 text") }
            return "contacts.csv"
        case "txt", "":
            guard String(data: data, encoding: .utf8) != nil else { throw DashboardError(.badRequest, "\(filename ?? "numbers.txt") is not UTF-8 text") }
            return "numbers.txt"
        default:
            throw DashboardError(.badRequest, "contacts must be .txt, .csv or .xlsx, not .\(ext)")
        }
    }

    /// Lines that look like entries (not blank, not `#` comments): a quick count for the page.
    static func entryCount(_ data: Data) -> Int {
        guard let text = String(data: data, encoding: .utf8) else { return 0 }
        return text.split(whereSeparator: \.isNewline).filter {
            let line = $0.trimmingCharacters(in: .whitespaces)
            return !line.isEmpty && !line.hasPrefix("#")
        }.count
    }
}
