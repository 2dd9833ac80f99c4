import Contacts
import Foundation
import PropertyBased
import Testing

@Suite("Properties of normalisation, dedupe and reading")
struct ContactsPropertyTests {
    /// Characters people and programs put into phone cells, digits most often.
    static let noisyCharacter = Gen.element(of: Array("0123456789012345678908+ -.()'\"=aE,/#\u{00A0}\u{2011}\u{202A}é😀"))
    static let noisyInput = noisyCharacter.array(of: 0...22).map { String($0.compactMap { $0 }) }

    /// A national significant number (`812…`) as digits.
    static let nationalNumber = Gen.int(in: 0...9).array(of: 8...11).map { digits in "8" + digits.map(String.init).joined() }

    /// One number written in one of the ways staff write it.
    static func written(_ national: String, style: Int) -> String {
        let grouped = stride(from: 0, to: national.count, by: 4).map { offset -> String in
            let start = national.index(national.startIndex, offsetBy: offset)
            return String(national[start..<(national.index(start, offsetBy: 4, limitedBy: national.endIndex) ?? national.endIndex)])
        }
        switch style % 8 {
        case 0: return "0" + national
        case 1: return "+62 " + grouped.joined(separator: " ")
        case 2: return "62" + national
        case 3: return "0062" + national
        case 4: return "(0" + grouped[0] + ") " + grouped.dropFirst().joined(separator: "-")
        case 5: return "+62 (0)" + grouped.joined(separator: ".")
        case 6: return "'0" + national
        default: return "\u{202A}+62\u{00A0}" + grouped.joined(separator: "\u{2011}") + "\u{202C}"
        }
    }

    @Test("normalisation is idempotent: a normalised number normalises to itself")
    func idempotent() async {
        let normalizer = PhoneNormalizer()
        await propertyCheck(count: 500, input: Self.noisyInput) { input in
            if case .valid(let number) = normalizer.normalize(input) {
                #expect(normalizer.normalize(number.description) == .valid(number), "from \(input)")
            }
        }
        await propertyCheck(count: 300, input: Self.nationalNumber, Gen.int(in: 0...7)) { national, style in
            let input = Self.written(national, style: style)
            let expected = PhoneNumber(digits: "62" + national)!
            #expect(normalizer.normalize(input) == .valid(expected), "input \(input)")
            #expect(normalizer.normalize(expected.description) == .valid(expected))
        }
    }

    @Test("dedupe never drops a unique number and always keeps the first occurrence")
    func dedupeKeepsEveryUniqueNumber() async {
        let pool = Self.nationalNumber.array(of: 1...6)
        let picks = zip(Gen.int(in: 0...5), Gen.int(in: 0...7), Gen.bool(0.15)).array(of: 0...40)
        await propertyCheck(count: 300, input: pool, picks) { pool, picks in
            let normalizer = PhoneNormalizer()
            var screen = ContactScreen(configuration: .init())
            var firstLine: [PhoneNumber: Int] = [:]
            var accepted: [AcceptedContact] = []
            for (offset, pick) in picks.enumerated() {
                let line = offset + 1
                // Some rows are garbage on purpose; they must not disturb the rest.
                let input = pick.2 ? "x" + Self.written(pool[pick.0 % pool.count], style: pick.1) : Self.written(pool[pick.0 % pool.count], style: pick.1)
                if case .valid(let number) = normalizer.normalize(input), firstLine[number] == nil { firstLine[number] = line }
                if case .accepted(let contact) = screen.screen(ContactRow(line: line, input: input)) { accepted.append(contact) }
            }
            #expect(Set(accepted.map(\.phone)) == Set(firstLine.keys))
            #expect(accepted.count == firstLine.count)
            for contact in accepted { #expect(firstLine[contact.phone] == contact.line) }
            #expect(accepted.map(\.line) == accepted.map(\.line).sorted())
        }
    }

    @Test("accepted ∪ rejected accounts for every input row, each exactly once")
    func everyRowAccounted() async {
        await propertyCheck(count: 300, input: Self.noisyInput.array(of: 0...60), Gen.bool(0.3)) { inputs, strict in
            let optOut = OptOutList([PhoneNumber(value: 6_281_234_567_890)])
            var screen = ContactScreen(configuration: .init(strictMobile: strict), optOut: optOut)
            var acceptedLines: [Int] = []
            var rejectedLines: [Int] = []
            for (offset, input) in inputs.enumerated() {
                switch screen.screen(ContactRow(line: offset + 1, input: input)) {
                case .accepted(let contact): acceptedLines.append(contact.line)
                case .rejected(let row):
                    rejectedLines.append(row.line)
                    #expect(row.input == input)
                }
            }
            #expect(acceptedLines.count + rejectedLines.count == inputs.count)
            #expect(Set(acceptedLines).isDisjoint(with: rejectedLines))
            #expect((acceptedLines + rejectedLines).sorted() == (0..<inputs.count).map { $0 + 1 })
            #expect(screen.counts.rows == inputs.count)
            #expect(screen.counts.accepted == acceptedLines.count)
            #expect(screen.counts.rejected == rejectedLines.count)
        }
    }

    static let fieldCharacter = Gen.element(of: Array("abc ,;\t\"\n\rXé😀田0"))
    static let field = fieldCharacter.array(of: 0...8).map { characters in
        String(characters.compactMap { $0 }).trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
    }

    @Test("any table written as CSV (any delimiter, quoting, line ending, UTF-8/16, BOM) reads back unchanged")
    func csvRoundTrip() async throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let table = zip(Self.nationalNumber, Self.field.array(of: 2)).array(of: 1...12)
        let layout = zip(Gen.int(in: 0...2), Gen.int(in: 0...2), Gen.int(in: 0...3))
        await propertyCheck(count: 200, input: table, layout) { rows, layout in
            let delimiter = [",", ";", "\t"][layout.0]
            let newline = ["\n", "\r\n", "\r"][layout.1]
            func quoted(_ text: String) -> String {
                let special = text.unicodeScalars.contains { ",;\t\"\n\r".unicodeScalars.contains($0) }
                return special ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
            }
            var text = ["nama", "no_hp", "kota"].joined(separator: delimiter) + newline
            for row in rows {
                text += [quoted(row.1[0]), "0" + row.0, quoted(row.1[1])].joined(separator: delimiter) + newline
            }
            var data = Data()
            switch layout.2 {
            case 0: data = Data(text.utf8)
            case 1: data = Data([0xEF, 0xBB, 0xBF]) + Data(text.utf8)
            case 2: data = Data([0xFF, 0xFE]) + text.data(using: .utf16LittleEndian)!
            default: data = Data([0xFE, 0xFF]) + text.data(using: .utf16BigEndian)!
            }
            let file = folder.appendingPathComponent("round-\(UUID().uuidString).csv")
            do {
                try data.write(to: file)
                var read: [ContactRow] = []
                var header: ContactListHeader?
                try ContactListReader(file: file.path).read(header: { header = $0 }) { read.append($0) }
                #expect(header?.variableNames == ["nama", "kota"])
                // Rows whose every cell is empty are skipped by design; none are here (the phone is never empty).
                #expect(read.map(\.input) == rows.map { "0" + $0.0 })
                #expect(read.map(\.variables) == rows.map { [$0.1[0], $0.1[1]] })
            } catch {
                Issue.record("read failed: \(error)")
            }
            try? FileManager.default.removeItem(at: file)
        }
    }

    /// What `check()` must equal: every row from `read()` screened one by one.
    static func screenedRowByRow(_ file: String, optOut: OptOutList) throws -> (accepted: [AcceptedContact], rejected: [RejectedRow]) {
        var screen = ContactScreen(configuration: .init(), optOut: optOut)
        var accepted: [AcceptedContact] = []
        var rejected: [RejectedRow] = []
        try ContactListReader(file: file).read { row in
            switch screen.screen(row) {
            case .accepted(let contact): accepted.append(contact)
            case .rejected(let refusal): rejected.append(refusal)
            }
        }
        return (accepted, rejected)
    }

    @Test("check() (batched, byte-level fast path) decides exactly as row-by-row screening")
    func checkMatchesRowByRow() async throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let optOut = OptOutList([PhoneNumber(value: 6_281_234_567_890)])
        let linePool = zip(Self.nationalNumber, Gen.int(in: 0...7)).map { Self.written($0.0, style: $0.1) }
        let line = Gen.oneOf(
            linePool.eraseToAnySequence(), linePool.eraseToAnySequence(), Self.noisyInput.eraseToAnySequence(),
            Gen.element(of: ["", "   ", "# komentar", "6281234567890", "\t0812 3456 7890\t"]).map { $0 ?? "" }.eraseToAnySequence()
        )
        await propertyCheck(count: 60, input: line.array(of: 0...700), Gen.int(in: 0...2), Gen.bool) { lines, ending, csv in
            let newline = ["\n", "\r\n", "\r"][ending]
            let file = folder.appendingPathComponent("list-\(UUID().uuidString).\(csv ? "csv" : "txt")")
            // A plain first number keeps a .txt a numbers file whatever the random lines hold.
            let body = lines.map { csv ? "\"\($0.replacingOccurrences(of: "\"", with: "\"\""))\",x" : $0 }
            let text = (csv ? "phone,note" : "081299999999") + newline + body.joined(separator: newline)
            do {
                try Data(text.utf8).write(to: file)
                let expected = try Self.screenedRowByRow(file.path, optOut: optOut)
                let result = try ContactListReader(file: file.path).check(optOut: optOut)
                #expect(result.accepted == expected.accepted)
                #expect(result.rejected == expected.rejected)
                #expect(result.counts.rows == expected.accepted.count + expected.rejected.count)
            } catch let error as ContactsError where error.code == .notUTF8 {
                // Both paths refuse the same file; nothing to compare.
            } catch {
                Issue.record("\(error)")
            }
            try? FileManager.default.removeItem(at: file)
        }
    }

    @Test("check() on a multi-megabyte numbers file matches row-by-row screening across chunk boundaries")
    func checkLargeFile() throws {
        let folder = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("numbers.txt")
        var text = ""
        for index in 0..<400_000 {
            let national = 812_0000_0000 + (index * 7_919) % 90_000
            switch index % 9 {
            case 0: text += "+62 \(national)\r\n"
            case 1: text += "0\(national)\r\n"
            case 2: text += "# \(index)\r\n"
            case 3: text += "abc\(index)\r\n"
            default: text += "62\(national)\r\n"
            }
        }
        try Data(text.utf8).write(to: file)
        #expect(text.utf8.count > 5_000_000)
        let expected = try Self.screenedRowByRow(file.path, optOut: OptOutList())
        let result = try ContactListReader(file: file.path).check()
        #expect(result.accepted == expected.accepted)
        #expect(result.rejected == expected.rejected)
        #expect(result.counts.duplicates > 200_000)
    }
}
