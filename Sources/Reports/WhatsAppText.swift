/// Message text as WhatsApp shows it: `*bold*`, `_italic_`, `~strike~` and ```` ```mono``` ````
/// become styled runs without their markers. The one reading of WhatsApp formatting, used by
/// `preview.png`, the PDF's sample and the dashboard's previews (which draw the runs as HTML).
///
/// WhatsApp's rules, as its apps apply them: a marker opens at the start of the text or after a
/// character that is not a letter or digit, and is followed by a non-space; it closes before a
/// character that is not a letter or digit (or at the end), after a non-space; `*`, `_` and `~`
/// spans stay on one line and may nest in each other; inside ```` ``` ```` nothing is formatted
/// and lines may break. `nama_depan_saja` and `2*3*4` stay as they are.
public enum WhatsAppText {
    public struct Style: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        public static let bold = Style(rawValue: 1)
        public static let italic = Style(rawValue: 2)
        public static let strike = Style(rawValue: 4)
        public static let mono = Style(rawValue: 8)
    }

    public struct Run: Sendable, Equatable {
        public var text: String
        public var style: Style

        public init(_ text: String, _ style: Style = []) {
            self.text = text
            self.style = style
        }
    }

    /// The text as styled runs; consecutive runs never share a style.
    public static func runs(_ text: String) -> [Run] {
        var runs: [Run] = []
        var rest = Substring(text)
        while let open = rest.range(of: "```") {
            guard let close = rest[open.upperBound...].range(of: "```"), close.lowerBound > open.upperBound else { break }
            inline(Array(rest[..<open.lowerBound]), style: [], into: &runs)
            append(Run(String(rest[open.upperBound..<close.lowerBound]), .mono), to: &runs)
            rest = rest[close.upperBound...]
        }
        inline(Array(rest), style: [], into: &runs)
        return runs
    }

    /// The text without markers (what a search or a plain preview shows).
    public static func plain(_ text: String) -> String { runs(text).map(\.text).joined() }

    private static let markers: [Character: Style] = ["*": .bold, "_": .italic, "~": .strike]

    private static func inline(_ characters: [Character], style: Style, into runs: inout [Run]) {
        var buffer = ""
        var index = 0
        func isWord(_ character: Character) -> Bool { character.isLetter || character.isNumber }
        while index < characters.count {
            let character = characters[index]
            if let marker = markers[character], !style.contains(marker),
               index == 0 || !isWord(characters[index - 1]),
               index + 1 < characters.count, !characters[index + 1].isWhitespace, characters[index + 1] != character {
                // The nearest closing marker on the same line.
                var close = index + 1
                var found: Int?
                while close < characters.count, !characters[close].isNewline {
                    if characters[close] == character, close > index + 1, !characters[close - 1].isWhitespace,
                       close + 1 == characters.count || !isWord(characters[close + 1]) {
                        found = close
                        break
                    }
                    close += 1
                }
                if let found {
                    if !buffer.isEmpty { append(Run(buffer, style), to: &runs); buffer = "" }
                    inline(Array(characters[(index + 1)..<found]), style: style.union(marker), into: &runs)
                    index = found + 1
                    continue
                }
            }
            buffer.append(character)
            index += 1
        }
        if !buffer.isEmpty { append(Run(buffer, style), to: &runs) }
    }

    private static func append(_ run: Run, to runs: inout [Run]) {
        guard !run.text.isEmpty else { return }
        if let last = runs.last, last.style == run.style {
            runs[runs.count - 1].text += run.text
        } else {
            runs.append(run)
        }
    }
}
