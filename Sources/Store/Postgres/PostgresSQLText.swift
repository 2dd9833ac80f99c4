import Synchronization

/// Turns the Store's portable SQL into what PostgreSQL's extended protocol takes: `?` placeholders
/// numbered `$1, $2, …`, one statement per message.
///
/// Only `?` outside string literals (`'it''s?'`, `E'\'?'`), quoted identifiers (`"a?"`),
/// dollar-quoted bodies (`$$ … $$`, `$fn$ … $fn$`) and comments is a placeholder. The same scan
/// finds the `;` that end statements, so migrations with PL/pgSQL bodies split correctly.
enum PostgresSQLText {
    /// A statement ready for the server, and how many values it expects.
    struct Rewritten: Sendable, Equatable {
        var sql: String
        var placeholderCount: Int
        /// More than one means a script, which the extended protocol cannot take in one message.
        var statementCount: Int
    }

    /// `?` → `$n`, remembered per SQL string: the Store sends the same few hundred statements
    /// again and again, and scanning each one every time would cost more than binding it.
    static func rewrite(_ sql: String) -> Rewritten {
        if let cached = cache.withLock({ $0[sql] }) { return cached }
        let rewritten = scan(sql).rewritten
        cache.withLock { entries in
            // Statements built with a variable number of `?` (IN lists) could grow this without
            // end; past the bound, start again rather than keep every shape ever seen.
            if entries.count >= cacheLimit { entries.removeAll(keepingCapacity: true) }
            entries[sql] = rewritten
        }
        return rewritten
    }

    /// The statements of a script, without their `;` and without empty ones.
    static func statements(_ sql: String) -> [String] {
        scan(sql).statements
    }

    private static let cacheLimit = 2_000
    private static let cache = Mutex<[String: Rewritten]>([:])

    private static func scan(_ sql: String) -> (rewritten: Rewritten, statements: [String]) {
        let bytes = Array(sql.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count + 16)
        var statements: [String] = []
        var statementStart = 0
        var count = 0
        var index = 0

        func finishStatement(at end: Int) {
            let text = String(decoding: bytes[statementStart..<end], as: UTF8.self)
            if !isBlank(text) { statements.append(text.trimmingWhitespace()) }
            statementStart = end + 1
        }

        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "'"):
                // E'…' strings take backslash escapes; standard strings only '' (PostgreSQL's
                // standard_conforming_strings, on since 9.1).
                let escaped = index > 0 && (bytes[index - 1] == UInt8(ascii: "E") || bytes[index - 1] == UInt8(ascii: "e"))
                    && (index < 2 || !isIdentifierByte(bytes[index - 2]))
                let end = endOfQuoted(bytes, from: index, quote: UInt8(ascii: "'"), backslashEscapes: escaped)
                output += bytes[index..<end]
                index = end
            case UInt8(ascii: "\""):
                let end = endOfQuoted(bytes, from: index, quote: UInt8(ascii: "\""), backslashEscapes: false)
                output += bytes[index..<end]
                index = end
            case UInt8(ascii: "-") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "-"):
                var end = index
                while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
                output += bytes[index..<end]
                index = end
            case UInt8(ascii: "/") where index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "*"):
                let end = endOfBlockComment(bytes, from: index)
                output += bytes[index..<end]
                index = end
            case UInt8(ascii: "$"):
                if let end = endOfDollarQuoted(bytes, from: index) {
                    output += bytes[index..<end]
                    index = end
                } else {
                    output.append(byte)
                    index += 1
                }
            case UInt8(ascii: "?"):
                count += 1
                output += Array("$\(count)".utf8)
                index += 1
            case UInt8(ascii: ";"):
                finishStatement(at: index)
                output.append(byte)
                index += 1
            default:
                output.append(byte)
                index += 1
            }
        }
        if statementStart < bytes.count { finishStatement(at: bytes.count) }
        let rewritten = Rewritten(sql: String(decoding: output, as: UTF8.self), placeholderCount: count, statementCount: statements.count)
        return (rewritten, statements)
    }

    /// Index just past the closing quote (a doubled quote is part of the text), or the end.
    private static func endOfQuoted(_ bytes: [UInt8], from start: Int, quote: UInt8, backslashEscapes: Bool) -> Int {
        var index = start + 1
        while index < bytes.count {
            let byte = bytes[index]
            if backslashEscapes && byte == UInt8(ascii: "\\") {
                index += 2
                continue
            }
            if byte == quote {
                if index + 1 < bytes.count && bytes[index + 1] == quote {
                    index += 2
                    continue
                }
                return index + 1
            }
            index += 1
        }
        return bytes.count
    }

    /// Block comments nest in PostgreSQL.
    private static func endOfBlockComment(_ bytes: [UInt8], from start: Int) -> Int {
        var depth = 0
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "/") && bytes[index + 1] == UInt8(ascii: "*") {
                depth += 1
                index += 2
            } else if bytes[index] == UInt8(ascii: "*") && bytes[index + 1] == UInt8(ascii: "/") {
                depth -= 1
                index += 2
                if depth == 0 { return index }
            } else {
                index += 1
            }
        }
        return bytes.count
    }

    /// `$tag$ … $tag$` (tag empty or an identifier); nil when the `$` starts no such quote
    /// (`$1` parameters, or a `$` inside an identifier such as `a$b`).
    private static func endOfDollarQuoted(_ bytes: [UInt8], from start: Int) -> Int? {
        if start > 0 && isIdentifierByte(bytes[start - 1]) { return nil }
        var tagEnd = start + 1
        while tagEnd < bytes.count, bytes[tagEnd] != UInt8(ascii: "$") {
            let byte = bytes[tagEnd]
            let allowed = isIdentifierByte(byte) && !(tagEnd == start + 1 && byte >= 48 && byte <= 57)
            guard allowed else { return nil }
            tagEnd += 1
        }
        guard tagEnd < bytes.count else { return nil }
        let tag = Array(bytes[start...tagEnd])
        var index = tagEnd + 1
        while index + tag.count <= bytes.count {
            if bytes[index] == UInt8(ascii: "$") && Array(bytes[index..<(index + tag.count)]) == tag {
                return index + tag.count
            }
            index += 1
        }
        return bytes.count
    }

    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        (byte >= 97 && byte <= 122) || (byte >= 65 && byte <= 90) || (byte >= 48 && byte <= 57) || byte == 95 || byte >= 128
    }

    /// True for text with nothing but white space and comments.
    private static func isBlank(_ text: String) -> Bool {
        var rest = Substring(text)
        while let first = rest.first {
            if first.isWhitespace {
                rest = rest.dropFirst()
            } else if rest.hasPrefix("--") {
                rest = rest.drop { $0 != "\n" }
            } else if rest.hasPrefix("/*") {
                let bytes = Array(rest.utf8)
                rest = Substring(String(decoding: bytes[endOfBlockComment(bytes, from: 0)...], as: UTF8.self))
            } else {
                return false
            }
        }
        return true
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while slice.first?.isWhitespace == true { slice = slice.dropFirst() }
        while slice.last?.isWhitespace == true { slice = slice.dropLast() }
        return String(slice)
    }
}
