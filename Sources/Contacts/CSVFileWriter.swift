import Foundation

/// Writes a CSV file (RFC 4180, UTF-8, LF line ends) through a buffer, into a temporary name that is
/// renamed over the target at the end, so readers never see half a file.
struct CSVFileWriter {
    private let path: String
    private let temporaryPath: String
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    init(path: String) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        temporaryPath = (directory.isEmpty ? "" : directory + "/") + ".\((path as NSString).lastPathComponent).\(UUID().uuidString).tmp"
        guard FileManager.default.createFile(atPath: temporaryPath, contents: nil) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporaryPath))
        buffer.reserveCapacity(1 << 20)
    }

    mutating func writeRow(_ fields: [String]) throws {
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            append(field)
        }
        buffer.append(0x0A)
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Writes a row whose first field is a number (no quoting needed).
    mutating func writeRow(number: UInt64, _ fields: [String]) throws {
        appendDigits(number)
        for field in fields {
            buffer.append(UInt8(ascii: ","))
            append(field)
        }
        buffer.append(0x0A)
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Writes `number,text,word`: the shape of `rejected.csv` rows.
    mutating func writeRow(number: Int, _ text: String, _ word: String) throws {
        appendDigits(UInt64(max(number, 0)))
        buffer.append(UInt8(ascii: ","))
        append(text)
        buffer.append(UInt8(ascii: ","))
        append(word)
        buffer.append(0x0A)
        if buffer.count >= 1 << 20 { try flush() }
    }

    private mutating func appendDigits(_ number: UInt64) {
        var digits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // 32 bytes of scratch, enough for 20 digits
        var count = 0
        var value = number
        withUnsafeMutableBytes(of: &digits) { scratch in
            repeat {
                scratch[31 - count] = UInt8(ascii: "0") &+ UInt8(value % 10)
                value /= 10
                count += 1
            } while value > 0
            buffer.append(contentsOf: scratch[(32 - count)...])
        }
    }

    private mutating func append(_ field: String) {
        var field = field
        field.withUTF8 { bytes in
            var needsQuotes = bytes.first == 0x20 || bytes.last == 0x20
            if !needsQuotes {
                for byte in bytes where byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == 0x0A || byte == 0x0D {
                    needsQuotes = true
                    break
                }
            }
            if !needsQuotes {
                buffer.append(contentsOf: bytes)
                return
            }
            buffer.append(UInt8(ascii: "\""))
            for byte in bytes {
                if byte == UInt8(ascii: "\"") { buffer.append(byte) }
                buffer.append(byte)
            }
            buffer.append(UInt8(ascii: "\""))
        }
    }

    private mutating func flush() throws {
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, closes and renames the file into place.
    mutating func finish() throws {
        try flush()
        try handle.close()
        if rename(temporaryPath, path) != 0 {
            let code = errno
            try? FileManager.default.removeItem(atPath: temporaryPath)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: String(cString: strerror(code))])
        }
    }
}
