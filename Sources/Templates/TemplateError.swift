/// A message template that cannot be used, with the place in the file and a reason staff can act on.
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        /// The bytes are not UTF-8 (e.g. saved as UTF-16 or Windows-1252).
        case notUTF8 = "not-utf8"
        /// A `{` without its `}`.
        case unclosedBrace = "unclosed-brace"
        /// A `}` without its `{`.
        case unexpectedClosingBrace = "unexpected-closing-brace"
        /// `{}` or a group with nothing between two `|`.
        case emptyGroup = "empty-group"
        /// `{city}` where no contact has a `city` column and no fallback is given.
        case unknownVariable = "unknown-variable"
        /// A `{…}` that is neither a variable name nor options separated by `|`.
        case notAVariableName = "not-a-variable-name"
        /// The message is empty once front matter is removed.
        case emptyMessage = "empty-message"
        /// Front matter that is not valid YAML or has the wrong types.
        case invalidFrontMatter = "invalid-front-matter"
        /// The rendered message is longer than WhatsApp allows.
        case tooLong = "too-long"
        /// Spintax nested deeper than the renderer allows.
        case nestedTooDeep = "nested-too-deep"
        /// A template referenced by name does not exist.
        case templateNotFound = "template-not-found"
        /// A drafted text carries an opt-out line of its own (Siaran appends the configured one).
        case ownOptOutLine = "own-opt-out-line"
        /// A drafted text uses formatting WhatsApp does not show (Markdown, HTML) or a `---` line.
        case unsupportedFormatting = "unsupported-formatting"
    }

    public var code: Code
    /// The file the template came from, when it came from a file.
    public var file: String?
    /// 1-based line and column (Unicode characters) of the problem, 0 when not at one place.
    public var line: Int
    public var column: Int
    public var message: String

    public init(_ code: Code, file: String? = nil, line: Int = 0, column: Int = 0, message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `FILE:LINE:COL: message`, or as much of it as is known.
    public var description: String {
        var place = file ?? "message"
        if line > 0 { place += ":\(line):\(column)" }
        return "\(place): \(message)"
    }

    func located(in file: String?) -> TemplateError {
        var copy = self
        copy.file = file
        return copy
    }
}
