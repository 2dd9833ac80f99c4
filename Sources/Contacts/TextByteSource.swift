#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a text file in bounded chunks as UTF-8 bytes, converting UTF-16 (detected by its byte
/// order mark) on the way, so readers never hold more than a few megabytes of any file.
///
/// Readers look at ``window``, ``consume(_:)`` what they have parsed, and call ``refill()`` when a
/// record continues past the end of the window.
final class TextByteSource {
    enum Encoding: Sendable, Equatable {
        case utf8, utf16LittleEndian, utf16BigEndian
    }

    /// The longest single line or CSV record accepted.
    static let maxRecordBytes = 1 << 20

    let file: String
    private(set) var encoding: Encoding = .utf8
    private let descriptor: Int32
    private let maxFileBytes: Int
    private let capacity: Int
    private let storage: UnsafeMutablePointer<UInt8>
    private var start = 0
    private var end = 0
    private var bytesRead = 0
    /// True once the file has been read to its end; the window then holds the last bytes.
    private(set) var reachedEnd = false
    private var raw: UnsafeMutablePointer<UInt8>?
    private let rawCapacity = 1 << 19
    private var pendingByte: UInt8?
    private var pendingHighSurrogate: UInt16?

    /// Opens `file` (which ``FileProbe`` has checked) and reads the first chunk.
    init(file: String, maxFileBytes: Int) throws(ContactsError) {
        self.file = file
        self.maxFileBytes = maxFileBytes
        capacity = 4 * Self.maxRecordBytes
        descriptor = open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ContactsError(.unreadable(FileProbe.errnoText()), file: file) }
        storage = .allocate(capacity: capacity)
        // A small first chunk: enough to see the byte order mark, small enough to decode in place.
        end = try readSome(into: storage, maxLength: 1 << 16)
        detectEncoding()
        if encoding != .utf8 {
            let rawBytes = Array(UnsafeBufferPointer(start: storage + start, count: end - start))
            start = 0
            end = 0
            try rawBytes.withUnsafeBufferPointer { (bytes) throws(ContactsError) in try decodeUTF16(bytes) }
            if reachedEnd, pendingByte != nil || pendingHighSurrogate != nil {
                throw ContactsError(.notUTF8, file: file)
            }
        } else if memchr(storage + start, 0, end - start) != nil {
            throw ContactsError(.binary("binary data (it contains NUL bytes)"), file: file)
        }
    }

    deinit {
        close(descriptor)
        storage.deallocate()
        raw?.deallocate()
    }

    /// The bytes read and not yet consumed.
    var window: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: storage + start, count: end - start) }

    /// Marks the first `count` bytes of the window as parsed.
    func consume(_ count: Int) { start += count }

    /// Whether the unconsumed bytes already fill a whole record's budget (a runaway line).
    var windowIsFull: Bool { end - start >= Self.maxRecordBytes }

    /// Keeps the unconsumed bytes and appends the next chunk. Returns false at the end of the file.
    func refill() throws(ContactsError) -> Bool {
        if reachedEnd { return false }
        let before = end - start
        compact()
        switch encoding {
        case .utf8:
            try fillUTF8Raw()
            if end > before, memchr(storage + before, 0, end - before) != nil {
                throw ContactsError(.binary("binary data (it contains NUL bytes)"), file: file)
            }
        case .utf16LittleEndian, .utf16BigEndian:
            try fillUTF16()
        }
        return end > before || !reachedEnd
    }

    private func compact() {
        let remaining = end - start
        if start > 0 {
            if remaining > 0 { memmove(storage, storage + start, remaining) }
            start = 0
            end = remaining
        }
    }

    /// Reads raw bytes straight into the window (UTF-8 files).
    private func fillUTF8Raw() throws(ContactsError) {
        let count = try readSome(into: storage + end, maxLength: capacity - end)
        end += count
    }

    private func fillUTF16() throws(ContactsError) {
        let free = capacity - end
        let rawBuffer = raw ?? .allocate(capacity: rawCapacity)
        raw = rawBuffer
        // A UTF-16 unit becomes at most 3 UTF-8 bytes.
        let want = min(rawCapacity, (free / 3) * 2)
        guard want >= 2 else { return }
        let count = try readSome(into: rawBuffer, maxLength: want)
        try decodeUTF16(UnsafeBufferPointer(start: rawBuffer, count: count))
        if reachedEnd, pendingByte != nil || pendingHighSurrogate != nil {
            throw ContactsError(.notUTF8, file: file)
        }
    }

    private func readSome(into pointer: UnsafeMutablePointer<UInt8>, maxLength: Int) throws(ContactsError) -> Int {
        var total = 0
        while total < maxLength {
            let count = read(descriptor, pointer + total, maxLength - total)
            if count < 0 {
                if errno == EINTR { continue }
                throw ContactsError(.unreadable(FileProbe.errnoText()), file: file)
            }
            if count == 0 {
                reachedEnd = true
                break
            }
            total += count
            bytesRead += count
            if bytesRead > maxFileBytes {
                throw ContactsError(.tooLarge(bytes: bytesRead, limit: maxFileBytes), file: file)
            }
        }
        return total
    }

    private func detectEncoding() {
        let head = UnsafeBufferPointer(start: storage + start, count: min(3, end - start))
        if head.count >= 3, head[0] == 0xEF, head[1] == 0xBB, head[2] == 0xBF {
            start += 3
        } else if head.count >= 2, head[0] == 0xFF, head[1] == 0xFE {
            encoding = .utf16LittleEndian
            start += 2
        } else if head.count >= 2, head[0] == 0xFE, head[1] == 0xFF {
            encoding = .utf16BigEndian
            start += 2
        }
    }

    /// Appends the UTF-8 form of UTF-16 code units to the window; a byte or high surrogate cut by
    /// the chunk boundary waits for the next chunk.
    private func decodeUTF16(_ bytes: UnsafeBufferPointer<UInt8>) throws(ContactsError) {
        var index = 0
        let littleEndian = encoding == .utf16LittleEndian
        var output = end
        while true {
            let unit: UInt16
            if let first = pendingByte {
                guard index < bytes.count else { break }
                let second = bytes[index]
                index += 1
                pendingByte = nil
                unit = littleEndian ? UInt16(first) | UInt16(second) << 8 : UInt16(first) << 8 | UInt16(second)
            } else {
                guard index < bytes.count else { break }
                if index + 1 == bytes.count {
                    pendingByte = bytes[index]
                    index += 1
                    break
                }
                let a = bytes[index]
                let b = bytes[index + 1]
                index += 2
                unit = littleEndian ? UInt16(a) | UInt16(b) << 8 : UInt16(a) << 8 | UInt16(b)
            }
            if let high = pendingHighSurrogate {
                guard (0xDC00...0xDFFF).contains(unit) else { throw ContactsError(.notUTF8, file: file) }
                pendingHighSurrogate = nil
                let scalar = 0x10000 + ((UInt32(high) - 0xD800) << 10) + (UInt32(unit) - 0xDC00)
                storage[output] = UInt8(0xF0 | (scalar >> 18))
                output += 1
                storage[output] = UInt8(0x80 | ((scalar >> 12) & 0x3F))
                output += 1
                storage[output] = UInt8(0x80 | ((scalar >> 6) & 0x3F))
                output += 1
                storage[output] = UInt8(0x80 | (scalar & 0x3F))
                output += 1
                continue
            }
            switch unit {
            case 0:
                throw ContactsError(.binary("binary data (it contains NUL characters)"), file: file)
            case 0x01..<0x80:
                storage[output] = UInt8(unit)
                output += 1
            case 0x80..<0x800:
                storage[output] = UInt8(0xC0 | (unit >> 6))
                output += 1
                storage[output] = UInt8(0x80 | (unit & 0x3F))
                output += 1
            case 0xD800...0xDBFF:
                pendingHighSurrogate = unit
            case 0xDC00...0xDFFF:
                throw ContactsError(.notUTF8, file: file)
            default:
                storage[output] = UInt8(0xE0 | (unit >> 12))
                output += 1
                storage[output] = UInt8(0x80 | ((unit >> 6) & 0x3F))
                output += 1
                storage[output] = UInt8(0x80 | (unit & 0x3F))
                output += 1
            }
        }
        end = output
    }
}
