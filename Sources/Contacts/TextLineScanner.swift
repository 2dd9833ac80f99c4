/// Splits a ``TextByteSource`` into lines (LF, CRLF or a lone CR end a line), chunk by chunk.
enum TextLineScanner {
    /// Calls `body` with each line's number and bytes (without the terminator), in file order.
    /// `windowDone` runs after each chunk's lines, while their bytes are still valid.
    static func scan(
        _ source: TextByteSource,
        body: (_ line: Int, _ bytes: UnsafeBufferPointer<UInt8>) throws -> Void,
        windowDone: () throws -> Void = {}
    ) throws {
        var line = 0
        while true {
            let window = source.window
            let atEnd = source.reachedEnd
            let count = window.count
            var position = 0
            if let base = window.baseAddress {
                scanning: while position < count {
                    var cursor = position
                    while cursor < count, base[cursor] != 0x0A, base[cursor] != 0x0D { cursor += 1 }
                    var next = cursor
                    if cursor == count {
                        if !atEnd { break scanning }
                    } else if base[cursor] == 0x0D {
                        if cursor + 1 == count && !atEnd { break scanning }
                        next = cursor + 1 < count && base[cursor + 1] == 0x0A ? cursor + 2 : cursor + 1
                    } else {
                        next = cursor + 1
                    }
                    line += 1
                    if cursor - position > TextByteSource.maxRecordBytes {
                        throw ContactsError(.lineTooLong(limit: TextByteSource.maxRecordBytes), file: source.file, line: line)
                    }
                    try body(line, UnsafeBufferPointer(start: base + position, count: cursor - position))
                    position = next
                }
            }
            try windowDone()
            source.consume(position)
            if atEnd { return }
            if source.windowIsFull {
                throw ContactsError(.lineTooLong(limit: TextByteSource.maxRecordBytes), file: source.file, line: line + 1)
            }
            _ = try source.refill()
        }
    }

    /// The bytes without surrounding ASCII spaces and tabs.
    static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard let base = bytes.baseAddress else { return bytes }
        var lower = 0
        var upper = bytes.count
        while lower < upper, base[lower] == 0x20 || base[lower] == 0x09 { lower += 1 }
        while upper > lower, base[upper - 1] == 0x20 || base[upper - 1] == 0x09 { upper -= 1 }
        return UnsafeBufferPointer(start: base + lower, count: upper - lower)
    }

    /// The bytes as a String; ASCII (nearly every phone cell) takes the fast path.
    static func string(_ bytes: UnsafeBufferPointer<UInt8>, file: String, line: Int) throws(ContactsError) -> String {
        if bytes.isEmpty { return "" }
        var ascii = true
        for byte in bytes where byte >= 0x80 {
            ascii = false
            break
        }
        if ascii { return String(decoding: bytes, as: UTF8.self) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ContactsError(.notUTF8, file: file, line: line)
        }
        return text
    }
}
