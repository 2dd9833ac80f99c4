#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a ``TextByteSource`` into CSV records (RFC 4180: `"` quotes fields, `""` is a quote,
/// quoted fields may hold delimiters and line breaks), chunk by chunk.
///
/// Lenient where Excel and Google Sheets exports are: a quote inside an unquoted field is kept as
/// text, characters after a closing quote are kept, records may have any number of fields.
struct DelimitedRecordScanner {
    let delimiter: UInt8
    private var scratch: [UInt8] = []
    /// Fields in the last record: the next record's array is sized for as many.
    private var expectedFields = 4

    init(delimiter: UInt8) {
        self.delimiter = delimiter
    }

    /// Calls `body` with the line each record starts on and its fields (trimmed), in file order.
    mutating func scan(_ source: TextByteSource, body: (_ line: Int, _ fields: [String]) throws -> Void) throws {
        var line = 1
        while true {
            let window = source.window
            let atEnd = source.reachedEnd
            var position = 0
            if let base = window.baseAddress {
                while position < window.count {
                    guard let record = try parseRecord(base, count: window.count, from: position, atEnd: atEnd, line: line, file: source.file)
                    else { break }
                    if record.next - position > TextByteSource.maxRecordBytes {
                        throw ContactsError(.lineTooLong(limit: TextByteSource.maxRecordBytes), file: source.file, line: line)
                    }
                    try body(line, record.fields)
                    line += record.lineBreaks
                    position = record.next
                }
            }
            source.consume(position)
            if atEnd { return }
            if source.windowIsFull {
                throw ContactsError(.lineTooLong(limit: TextByteSource.maxRecordBytes), file: source.file, line: line)
            }
            _ = try source.refill()
        }
    }

    private struct Record {
        var fields: [String]
        var next: Int
        var lineBreaks: Int
    }

    /// One record starting at `start`, or nil when it continues past the window (more must be read).
    private mutating func parseRecord(
        _ base: UnsafePointer<UInt8>, count: Int, from start: Int, atEnd: Bool, line: Int, file: String
    ) throws(ContactsError) -> Record? {
        let quote = UInt8(ascii: "\"")
        var fields: [String] = []
        fields.reserveCapacity(expectedFields)
        var index = start
        var lineBreaks = 1
        while true {
            let field: String
            if index < count, base[index] == quote {
                scratch.removeAll(keepingCapacity: true)
                index += 1
                var segment = index
                while true {
                    guard let found = memchr(base + index, Int32(quote), count - index) else {
                        if atEnd { throw ContactsError(.unterminatedQuote, file: file, line: line) }
                        return nil
                    }
                    let closing = UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base
                    lineBreaks += Self.lineBreaks(base, from: index, to: closing)
                    if closing + 1 < count, base[closing + 1] == quote {
                        scratch.append(contentsOf: UnsafeBufferPointer(start: base + segment, count: closing + 1 - segment))
                        index = closing + 2
                        segment = index
                        continue
                    }
                    if closing + 1 == count && !atEnd { return nil }
                    scratch.append(contentsOf: UnsafeBufferPointer(start: base + segment, count: closing - segment))
                    index = closing + 1
                    break
                }
                while index < count, base[index] != delimiter, base[index] != 0x0A, base[index] != 0x0D {
                    scratch.append(base[index])
                    index += 1
                }
                field = try scratch.withUnsafeBufferPointer { (bytes) throws(ContactsError) in
                    try TextLineScanner.string(TextLineScanner.trimmed(bytes), file: file, line: line)
                }
            } else {
                let fieldStart = index
                while index < count, base[index] != delimiter, base[index] != 0x0A, base[index] != 0x0D { index += 1 }
                field = try TextLineScanner.string(
                    TextLineScanner.trimmed(UnsafeBufferPointer(start: base + fieldStart, count: index - fieldStart)),
                    file: file, line: line
                )
            }
            if index == count {
                if !atEnd { return nil }
                fields.append(field)
                expectedFields = fields.count
                return Record(fields: fields, next: count, lineBreaks: lineBreaks)
            }
            fields.append(field)
            let byte = base[index]
            if byte == delimiter {
                index += 1
                continue
            }
            if byte == 0x0D {
                if index + 1 == count && !atEnd { return nil }
                index += index + 1 < count && base[index + 1] == 0x0A ? 2 : 1
            } else {
                index += 1
            }
            expectedFields = fields.count
            return Record(fields: fields, next: index, lineBreaks: lineBreaks)
        }
    }

    /// Line breaks (LF, CRLF, lone CR) inside a quoted field, so later records keep true line numbers.
    private static func lineBreaks(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int {
        var breaks = 0
        var index = start
        while index < end {
            if base[index] == 0x0A {
                breaks += 1
            } else if base[index] == 0x0D, index + 1 >= end || base[index + 1] != 0x0A {
                breaks += 1
            }
            index += 1
        }
        return breaks
    }

    /// Picks `,`, `;` or tab from the first records: the one found the same number of times on every
    /// sampled line wins, then the most frequent; a single column counts as comma-separated.
    static func detectDelimiter(_ sample: UnsafeBufferPointer<UInt8>) -> UInt8 {
        let candidates: [UInt8] = [0x09, UInt8(ascii: ";"), UInt8(ascii: ",")]
        var perLine: [[Int]] = []
        var counts = [0, 0, 0]
        var inQuotes = false
        var lines = 0
        for byte in sample {
            if byte == UInt8(ascii: "\"") {
                inQuotes.toggle()
            } else if !inQuotes, byte == 0x0A || byte == 0x0D {
                if counts != [0, 0, 0] { perLine.append(counts) }
                counts = [0, 0, 0]
                lines += 1
                if lines >= 20 { break }
            } else if !inQuotes, let which = candidates.firstIndex(of: byte) {
                counts[which] += 1
            }
        }
        // A last line cut off by the end of the sample is used only when it is all there is.
        if perLine.isEmpty, counts != [0, 0, 0] { perLine.append(counts) }
        guard !perLine.isEmpty else { return UInt8(ascii: ",") }
        var best = UInt8(ascii: ",")
        var bestScore = (consistent: false, total: 0)
        for (which, candidate) in candidates.enumerated() {
            let values = perLine.map { $0[which] }
            let total = values.reduce(0, +)
            guard total > 0 else { continue }
            let consistent = values.allSatisfy { $0 == values[0] }
            if (consistent && !bestScore.consistent) || (consistent == bestScore.consistent && total > bestScore.total) {
                best = candidate
                bestScore = (consistent, total)
            }
        }
        return best
    }
}
