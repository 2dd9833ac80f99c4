import Foundation
import ZIPFoundation

/// The ZIP container of an `.xlsx` workbook: parts are found by path and extracted in chunks with a
/// size budget, so a small file that inflates to gigabytes (a ZIP bomb) is refused, not unpacked.
final class XLSXPackage {
    let file: String
    private let archive: Archive
    /// Most bytes any one part may inflate to.
    let partLimit: Int

    init(file: String, maxFileBytes: Int) throws(ContactsError) {
        self.file = file
        // Worksheet XML is verbose: allow ten times the file limit for the inflated sheet.
        partLimit = maxFileBytes > Int.max / 10 ? Int.max : maxFileBytes * 10
        do {
            archive = try Archive(url: URL(fileURLWithPath: file), accessMode: .read)
        } catch {
            throw ContactsError(.invalidWorkbook("not a readable ZIP archive"), file: file)
        }
    }

    func contains(_ path: String) -> Bool { archive[path] != nil }

    /// A small part (relationships, workbook) in memory.
    func data(_ path: String) throws(ContactsError) -> Data {
        var data = Data()
        try extract(path) { chunk in data.append(chunk) }
        return data
    }

    /// A possibly large part (a worksheet, shared strings) written to a temporary file the caller removes.
    func temporaryCopy(of path: String) throws(ContactsError) -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("siaran-xlsx-\(UUID().uuidString).xml")
        guard FileManager.default.createFile(atPath: url.path, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = try? FileHandle(forWritingTo: url)
        else {
            throw ContactsError(.unreadable("cannot create a temporary file in \(url.deletingLastPathComponent().path)"), file: file)
        }
        defer { try? handle.close() }
        do {
            try extract(path) { chunk in try handle.write(contentsOf: chunk) }
        } catch {
            try? FileManager.default.removeItem(at: url)
            throw error
        }
        return url
    }

    private func extract(_ path: String, into consumer: (Data) throws -> Void) throws(ContactsError) {
        guard let entry = archive[path] else {
            throw ContactsError(.invalidWorkbook("the part \(path) is missing"), file: file)
        }
        var total = 0
        let limit = partLimit
        do {
            _ = try archive.extract(entry, bufferSize: 1 << 16, skipCRC32: false) { chunk in
                total += chunk.count
                if total > limit { throw PartTooLarge() }
                try consumer(chunk)
            }
        } catch is PartTooLarge {
            throw ContactsError(.tooLarge(bytes: total, limit: limit), file: file)
        } catch {
            throw ContactsError(.invalidWorkbook("cannot unpack \(path): \(error)"), file: file)
        }
    }

    private struct PartTooLarge: Error {}

    /// Resolves a relationship target against the folder of the part that names it
    /// (`worksheets/sheet1.xml` from `xl/workbook.xml` is `xl/worksheets/sheet1.xml`).
    static func resolve(_ target: String, relativeTo part: String) -> String {
        if target.hasPrefix("/") { return String(target.dropFirst()) }
        var components = part.split(separator: "/").map(String.init).dropLast()
        for piece in target.split(separator: "/") {
            if piece == ".." {
                _ = components.popLast()
            } else if piece != "." {
                components.append(String(piece))
            }
        }
        return components.joined(separator: "/")
    }
}
