/// Which contacts of a list a campaign goes to: `segment:` in campaign.yaml and
/// `siaran contacts segment FILE --where "…"`. Conditions on the list's columns and on how each
/// contact answered past (real, not dry-run) campaigns, joined with `and`, `or`, `not` and
/// parentheses. Opted-out contacts are always left out, whatever the segment says.
///
/// ```
/// city = Jakarta                      city != Bandung
/// city in (Jakarta, Bandung, "Kota Bogor")
/// name contains budi                  (letter case does not matter)
/// age >= 18   age < 30   age between 18 and 30
/// tag vip                             (a `tags` column: values split by , ; or |)
/// replied within 30 days              read within 14 days
/// unread in last 3 campaigns          (delivered but never read in their last 3 campaigns)
/// never delivered                     (no message of a real campaign ever reached them)
/// ```
public indirect enum Segment: Sendable, Equatable {
    case all([Segment])
    case any([Segment])
    case not(Segment)
    case column(String, ColumnTest, at: Int)
    case tag(String, at: Int)
    case repliedWithin(days: Int)
    case readWithin(days: Int)
    case unreadInLast(campaigns: Int)
    case neverDelivered

    public enum ColumnTest: Sendable, Equatable {
        case equals(String)
        case notEquals(String)
        case oneOf([String])
        case contains(String)
        /// A number range; a bound is nil when open, and says whether it is included.
        case range(lower: Double?, lowerIncluded: Bool, upper: Double?, upperIncluded: Bool)
    }

    /// A mistake in a segment's text: where (0-based offset in characters) and why, in both languages.
    public struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        public var offset: Int
        public var english: String
        public var indonesian: String

        public var description: String { english }
    }

    /// The columns the segment reads, with their offsets (for errors naming the column).
    public var columns: [(name: String, offset: Int)] {
        switch self {
        case .all(let parts), .any(let parts): parts.flatMap(\.columns)
        case .not(let part): part.columns
        case .column(let name, _, let at): [(name, at)]
        case .tag(_, let at): [("tags", at)]
        default: []
        }
    }

    /// Whether any condition reads past campaigns.
    public var readsHistory: Bool { historyDepth > 0 }

    /// How many of each contact's latest campaigns the conditions look at (1 for the conditions
    /// that need history but not a count of campaigns; 0 for none).
    public var historyDepth: Int {
        switch self {
        case .all(let parts), .any(let parts): parts.map(\.historyDepth).max() ?? 0
        case .not(let part): part.historyDepth
        case .unreadInLast(let campaigns): campaigns
        case .repliedWithin, .readWithin, .neverDelivered: 1
        case .column, .tag: 0
        }
    }
}

extension Segment {
    /// Parses a segment; a mistake throws with its place in `text`.
    public static func parse(_ text: String) throws(SyntaxError) -> Segment {
        var parser = SegmentParser(tokens: try SegmentParser.tokens(text), end: text.count)
        let segment = try parser.expression()
        if let extra = parser.peek {
            throw SyntaxError(offset: extra.offset, english: "unexpected '\(extra.text)'; join conditions with and / or",
                              indonesian: "'\(extra.text)' tidak diharapkan; gabungkan syarat dengan and / or")
        }
        return segment
    }
}

/// Recursive descent over the tokens: `or` binds looser than `and`, `not` tighter.
struct SegmentParser {
    struct Token: Equatable {
        var text: String
        var offset: Int
        /// Written in quotes: always a value, never a keyword.
        var quoted: Bool
    }

    var tokens: [Token]
    var index = 0
    let end: Int

    init(tokens: [Token], end: Int) {
        self.tokens = tokens
        self.end = end
    }

    var peek: Token? { index < tokens.count ? tokens[index] : nil }

    static func tokens(_ text: String) throws(Segment.SyntaxError) -> [Token] {
        var tokens: [Token] = []
        let characters = Array(text)
        var i = 0
        while i < characters.count {
            let c = characters[i]
            if c.isWhitespace { i += 1; continue }
            if c == "\"" || c == "'" {
                let start = i
                i += 1
                var value = ""
                while i < characters.count && characters[i] != c { value.append(characters[i]); i += 1 }
                guard i < characters.count else {
                    throw Segment.SyntaxError(offset: start, english: "the quote opened here is not closed", indonesian: "tanda kutip yang dibuka di sini tidak ditutup")
                }
                i += 1
                tokens.append(Token(text: value, offset: start, quoted: true))
                continue
            }
            if "(),".contains(c) { tokens.append(Token(text: String(c), offset: i, quoted: false)); i += 1; continue }
            if "=!<>".contains(c) {
                let start = i
                var op = String(c)
                if i + 1 < characters.count && characters[i + 1] == "=" { op.append("="); i += 1 }
                i += 1
                guard op != "!" else {
                    throw Segment.SyntaxError(offset: start, english: "'!' must be followed by '=' (!= means not equal)", indonesian: "'!' harus diikuti '=' (!= berarti tidak sama)")
                }
                tokens.append(Token(text: op == "==" ? "=" : op, offset: start, quoted: false))
                continue
            }
            let start = i
            var word = ""
            while i < characters.count, !characters[i].isWhitespace, !"(),=!<>\"'".contains(characters[i]) { word.append(characters[i]); i += 1 }
            tokens.append(Token(text: word, offset: start, quoted: false))
        }
        return tokens
    }

    func error(_ english: String, _ indonesian: String, at token: Token? = nil) -> Segment.SyntaxError {
        Segment.SyntaxError(offset: (token ?? peek)?.offset ?? end, english: english, indonesian: indonesian)
    }

    func isKeyword(_ token: Token?, _ word: String) -> Bool {
        guard let token, !token.quoted else { return false }
        return token.text.lowercased() == word
    }

    mutating func next() -> Token? {
        defer { index += 1 }
        return peek
    }

    mutating func expect(_ word: String, _ english: String, _ indonesian: String) throws(Segment.SyntaxError) {
        guard isKeyword(peek, word) || (peek?.text == word && !(peek?.quoted ?? true)) else { throw error(english, indonesian) }
        index += 1
    }

    mutating func expression() throws(Segment.SyntaxError) -> Segment {
        var parts = [try conjunction()]
        while isKeyword(peek, "or") { index += 1; parts.append(try conjunction()) }
        return parts.count == 1 ? parts[0] : .any(parts)
    }

    mutating func conjunction() throws(Segment.SyntaxError) -> Segment {
        var parts = [try factor()]
        while isKeyword(peek, "and") { index += 1; parts.append(try factor()) }
        return parts.count == 1 ? parts[0] : .all(parts)
    }

    mutating func factor() throws(Segment.SyntaxError) -> Segment {
        guard let token = peek else {
            throw error("a condition is missing here (for example city = Jakarta, or replied within 30 days)",
                        "syarat tidak ada di sini (misalnya city = Jakarta, atau replied within 30 days)")
        }
        if isKeyword(token, "not") { index += 1; return .not(try factor()) }
        if token.text == "(" && !token.quoted {
            index += 1
            let inner = try expression()
            try expect(")", "a ')' is missing here", "tanda ')' kurang di sini")
            return inner
        }
        return try condition()
    }

    mutating func count(_ unit: [String], _ english: String, _ indonesian: String) throws(Segment.SyntaxError) -> Int {
        guard let token = peek, !token.quoted, let value = Int(token.text), (1...3650).contains(value) else {
            throw error("expected a whole number from 1 to 3650 \(english)", "harus bilangan bulat 1 sampai 3650 \(indonesian)")
        }
        index += 1
        guard let word = peek, !word.quoted, unit.contains(word.text.lowercased()) else {
            throw error("expected '\(unit[0])' after \(value)", "harus '\(unit[0])' setelah \(value)")
        }
        index += 1
        return value
    }

    mutating func condition() throws(Segment.SyntaxError) -> Segment {
        guard let first = next() else { throw error("a condition is missing", "syarat tidak ada") }
        let word = first.quoted ? "" : first.text.lowercased()
        switch word {
        case "replied" where isKeyword(peek, "within"):
            index += 1
            return .repliedWithin(days: try count(["days", "day", "hari"], "of days", "hari"))
        case "read" where isKeyword(peek, "within"):
            index += 1
            return .readWithin(days: try count(["days", "day", "hari"], "of days", "hari"))
        case "unread" where isKeyword(peek, "in"):
            index += 1
            try expect("last", "expected 'last', as in: unread in last 3 campaigns", "harus 'last', seperti: unread in last 3 campaigns")
            return .unreadInLast(campaigns: try count(["campaigns", "campaign", "kampanye"], "of campaigns", "kampanye"))
        case "never" where isKeyword(peek, "delivered"):
            index += 1
            return .neverDelivered
        case "tag" where peek.map({ $0.quoted || !["=", "!=", "<", "<=", ">", ">=", "(", ")", ","].contains($0.text) }) ?? false:
            let value = next()?.text ?? ""
            return .tag(value, at: first.offset)
        default:
            break
        }
        if ["(", ")", ",", "=", "!=", "<", "<=", ">", ">="].contains(first.text) && !first.quoted {
            throw error("expected a column name or a condition, found '\(first.text)'", "harus nama kolom atau syarat, bukan '\(first.text)'", at: first)
        }
        let column = first.text
        guard let op = next() else {
            throw error("'\(column)' needs a test: = value, != value, in (a, b), contains text, >= number, between A and B",
                        "'\(column)' perlu uji: = nilai, != nilai, in (a, b), contains teks, >= angka, between A and B")
        }
        func value() throws(Segment.SyntaxError) -> Token {
            guard let token = peek, token.quoted || ![",", "(", ")", "=", "!=", "<", "<=", ">", ">="].contains(token.text) else {
                throw error("a value is missing after '\(op.text)'", "nilai tidak ada setelah '\(op.text)'")
            }
            index += 1
            return token
        }
        func number() throws(Segment.SyntaxError) -> Double {
            let token = try value()
            guard let number = Double(token.text.replacingOccurrences(of: ",", with: ".")), number.isFinite else {
                throw error("'\(token.text)' is not a number", "'\(token.text)' bukan angka", at: token)
            }
            return number
        }
        switch op.quoted ? "" : op.text.lowercased() {
        case "=": return .column(column, .equals(try value().text), at: first.offset)
        case "!=": return .column(column, .notEquals(try value().text), at: first.offset)
        case "contains": return .column(column, .contains(try value().text), at: first.offset)
        case ">": return .column(column, .range(lower: try number(), lowerIncluded: false, upper: nil, upperIncluded: false), at: first.offset)
        case ">=": return .column(column, .range(lower: try number(), lowerIncluded: true, upper: nil, upperIncluded: false), at: first.offset)
        case "<": return .column(column, .range(lower: nil, lowerIncluded: false, upper: try number(), upperIncluded: false), at: first.offset)
        case "<=": return .column(column, .range(lower: nil, lowerIncluded: false, upper: try number(), upperIncluded: true), at: first.offset)
        case "between":
            let low = try number()
            try expect("and", "expected 'and', as in: between 18 and 30", "harus 'and', seperti: between 18 and 30")
            let high = try number()
            guard low <= high else { throw error("the first number of 'between' must not be above the second", "angka pertama 'between' tidak boleh lebih besar dari yang kedua", at: op) }
            return .column(column, .range(lower: low, lowerIncluded: true, upper: high, upperIncluded: true), at: first.offset)
        case "in":
            try expect("(", "expected '(' after in, as in: city in (Jakarta, Bandung)", "harus '(' setelah in, seperti: city in (Jakarta, Bandung)")
            var values = [try value().text]
            while peek?.text == "," && !(peek?.quoted ?? true) { index += 1; values.append(try value().text) }
            try expect(")", "a ')' is missing at the end of the list", "tanda ')' kurang di akhir daftar")
            return .column(column, .oneOf(values), at: first.offset)
        default:
            throw error("'\(op.text)' is not a test; use =, !=, in (…), contains, <, <=, >, >= or between",
                        "'\(op.text)' bukan uji; pakai =, !=, in (…), contains, <, <=, >, >= atau between", at: op)
        }
    }
}
