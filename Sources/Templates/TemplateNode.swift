/// One piece of a parsed message: literal text, or a `{…}` group.
///
/// Whether a group is a variable (`{name|Kak}`) or spintax (`{Halo|Hai}`) is decided when the
/// contact list's columns are known (see `MessageTemplate`), so the parser stays context-free.
public indirect enum TemplateNode: Sendable, Equatable {
    case text(String)
    /// `{a|b|c}`: options separated by `|`; each option is itself a sequence of nodes.
    case group(options: [[TemplateNode]], position: TextPosition)
}

/// A 1-based line and column (in Unicode characters) in the template's source.
public struct TextPosition: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}

extension TemplateNode {
    /// The option's text when it is plain text only (no nested groups).
    static func plainText(of option: [TemplateNode]) -> String? {
        var result = ""
        for node in option {
            guard case .text(let text) = node else { return nil }
            result += text
        }
        return result
    }
}
