/// The fast path of ``ContactListReader/check(optOut:)`` for one-number-per-line files: one loop
/// over the read buffer, no closures, numbers normalised straight from the bytes, text made only
/// for refused rows, and rows screened in batches so the duplicate table's memory fetches overlap.
struct NumbersFileCheck {
    private struct Entry {
        var line: Int
        var start: Int
        var length: Int
        var outcome: PhoneNormalizer.Outcome
    }

    private static let batchSize = 256

    let file: String
    let maxRows: Int
    private var entries: [Entry] = []
    private var numbers: [UInt64] = []

    init(file: String, maxRows: Int) {
        self.file = file
        self.maxRows = maxRows
        entries.reserveCapacity(Self.batchSize)
        numbers.reserveCapacity(Self.batchSize)
    }

    mutating func run(
        _ source: TextByteSource, screen: inout ContactScreen, accepted: inout [AcceptedContact], rejected: inout [RejectedRow]
    ) throws(ContactsError) {
        let normalizer = screen.normalizer
        var line = 0
        var rows = 0
        while true {
            let window = source.window
            let atEnd = source.reachedEnd
            let count = window.count
            var position = 0
            if let base = window.baseAddress {
                while position < count {
                    // Fast path: a line of nothing but digits, ended by LF or CRLF.
                    let (scan, stop) = Scan.digitRun(base, from: position, to: count)
                    if stop > position, stop < count {
                        var next = -1
                        if base[stop] == 0x0A {
                            next = stop + 1
                        } else if base[stop] == 0x0D, stop + 1 < count, base[stop + 1] == 0x0A {
                            next = stop + 2
                        }
                        if next > 0 {
                            line += 1
                            if stop - position > TextByteSource.maxRecordBytes {
                                throw ContactsError(.lineTooLong(limit: TextByteSource.maxRecordBytes), file: file, line: line)
                            }
                            rows += 1
                            if rows > maxRows { throw ContactsError(.tooManyRows(limit: maxRows), file: file, line: line) }
                            let outcome = normalizer.classify(scan)
                            if case .valid(let number) = outcome { numbers.append(number.value) }
                            entries.append(Entry(line: line, start: position, length: stop - position, outcome: outcome))
                            position = next
                            if entries.count == Self.batchSize {
                                try flush(base, screen: &screen, accepted: &accepted, rejected: &rejected)
                            }
                            continue
                        }
                    }
                    var cursor = position
                    while cursor < count, base[cursor] != 0x0A, base[cursor] != 0x0D { cursor += 1 }
                    var next = cursor + 1
                    if cursor == count {
                        if !atEnd { break }
                        next = count
                    } else if base[cursor] == 0x0D {
                        if cursor + 1 == count && !atEnd { break }
                        if cursor + 1 < count && base[cursor + 1] == 0x0A { next = cursor + 2 }
                    }
                    line += 1
                    if cursor - position > TextByteSource.maxRecordBytes {
                        throw ContactsError(.lineTooLong(limit: TextByteSource.maxRecordBytes), file: file, line: line)
                    }
                    var lower = position
                    var upper = cursor
                    while lower < upper, base[lower] == 0x20 || base[lower] == 0x09 { lower += 1 }
                    while upper > lower, base[upper - 1] == 0x20 || base[upper - 1] == 0x09 { upper -= 1 }
                    position = next
                    if lower == upper || base[lower] == UInt8(ascii: "#") { continue }
                    rows += 1
                    if rows > maxRows { throw ContactsError(.tooManyRows(limit: maxRows), file: file, line: line) }
                    let outcome = normalizer.normalize(utf8: UnsafeBufferPointer(start: base + lower, count: upper - lower))
                    if case .valid(let number) = outcome { numbers.append(number.value) }
                    entries.append(Entry(line: line, start: lower, length: upper - lower, outcome: outcome))
                    if entries.count == Self.batchSize {
                        try flush(base, screen: &screen, accepted: &accepted, rejected: &rejected)
                    }
                }
                try flush(base, screen: &screen, accepted: &accepted, rejected: &rejected)
            }
            source.consume(position)
            if atEnd { return }
            if source.windowIsFull {
                throw ContactsError(.lineTooLong(limit: TextByteSource.maxRecordBytes), file: file, line: line + 1)
            }
            _ = try source.refill()
        }
    }

    /// Screens the batch in file order, after loading all its table slots at once.
    private mutating func flush(
        _ base: UnsafePointer<UInt8>, screen: inout ContactScreen, accepted: inout [AcceptedContact], rejected: inout [RejectedRow]
    ) throws(ContactsError) {
        numbers.withUnsafeBufferPointer { screen.warm($0) }
        for entry in entries {
            switch screen.verdict(entry.outcome, line: entry.line) {
            case .accepted(let number):
                accepted.append(AcceptedContact(phone: number, line: entry.line))
            case .rejected(let reason, let duplicateOf):
                let bytes = UnsafeBufferPointer(start: base + entry.start, count: entry.length)
                let input = try TextLineScanner.string(bytes, file: file, line: entry.line)
                rejected.append(RejectedRow(line: entry.line, input: input, reason: reason, duplicateOf: duplicateOf))
            }
        }
        entries.removeAll(keepingCapacity: true)
        numbers.removeAll(keepingCapacity: true)
    }
}
