#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Looks at a file before it is read: that it exists, is a regular file within the size limit,
/// and what its first bytes say it is.
enum FileProbe {
    enum Kind: Equatable {
        /// Text of some kind (UTF-8, UTF-16 with BOM, or something a text reader will refuse).
        case text
        /// A ZIP container: an `.xlsx` workbook or some other archive.
        case zip
        /// Excel 97–2003 (OLE compound document).
        case legacyExcel
        /// A known binary format, named for people ("a PDF document").
        case binary(String)
    }

    struct Result {
        var size: Int
        var kind: Kind
    }

    static func probe(_ file: String, maxFileBytes: Int) throws(ContactsError) -> Result {
        var info = stat()
        guard stat(file, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw ContactsError(.notFound, file: file) }
            throw ContactsError(.unreadable(errnoText()), file: file)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw ContactsError(.notAFile, file: file) }
        let size = Int(info.st_size)
        if size > maxFileBytes { throw ContactsError(.tooLarge(bytes: size, limit: maxFileBytes), file: file) }
        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ContactsError(.unreadable(errnoText()), file: file) }
        defer { close(descriptor) }
        var head = [UInt8](repeating: 0, count: 16)
        let count = head.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, 16) }
        guard count >= 0 else { throw ContactsError(.unreadable(errnoText()), file: file) }
        return Result(size: size, kind: kind(of: Array(head.prefix(count))))
    }

    static func kind(of head: [UInt8]) -> Kind {
        func starts(_ magic: [UInt8]) -> Bool { head.starts(with: magic) }
        if starts([0x50, 0x4B, 0x03, 0x04]) { return .zip }
        if starts([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) { return .legacyExcel }
        if starts(Array("%PDF".utf8)) { return .binary("a PDF document") }
        if starts([0x89, 0x50, 0x4E, 0x47]) { return .binary("a PNG picture") }
        if starts([0xFF, 0xD8, 0xFF]) { return .binary("a JPEG picture") }
        if starts(Array("GIF8".utf8)) { return .binary("a GIF picture") }
        if starts(Array("RIFF".utf8)), head.count >= 12, Array(head[8..<12]) == Array("WEBP".utf8) {
            return .binary("a WebP picture")
        }
        if starts([0x1F, 0x8B]) { return .binary("a gzip archive") }
        if starts(Array("Rar!".utf8)) { return .binary("a RAR archive") }
        if starts([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C]) { return .binary("a 7-Zip archive") }
        if starts([0x50, 0x4B, 0x05, 0x06]) { return .binary("an empty ZIP archive") }
        return .text
    }

    /// The size in bytes, or 0 when it cannot be read.
    static func size(of file: String) -> Int {
        var info = stat()
        return stat(file, &info) == 0 ? Int(info.st_size) : 0
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
