/// Turns message text into `TemplateNode`s: `{…}` groups with `|` options, nested to any
/// reasonable depth, and the escapes `\{`, `\}`, `\|`, `\\` for literal characters.
///
/// `{{name}}` is accepted as `{name}`: a group whose only option is another group is that group.
struct TemplateParser {
    /// Spintax nested deeper than this is refused (it is a mistake, and it bounds recursion).
    static let maximumDepth = 16

    private let characters: [Character]
    private var index = 0
    private var line: Int
    private var column = 1

    init(_ text: String, firstLine: Int = 1) {
        self.characters = Array(text)
        self.line = firstLine
    }

    mutating func parse() throws(TemplateError) -> [TemplateNode] {
        let nodes = try parseSequence(depth: 0, insideGroup: false).nodes
        return nodes
    }

    private var position: TextPosition { TextPosition(line: line, column: column) }

    private mutating func advance() -> Character {
        let c = characters[index]
        index += 1
        if c == "\n" || c == "\r\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        return c
    }

    /// Reads nodes until the end, or (inside a group) until the `|` or `}` that ends the option.
    private mutating func parseSequence(depth: Int, insideGroup: Bool) throws(TemplateError) -> (nodes: [TemplateNode], terminator: Character?) {
        var nodes: [TemplateNode] = []
        var text = ""
        func flush() {
            if !text.isEmpty { nodes.append(.text(text)); text = "" }
        }
        while index < characters.count {
            let c = characters[index]
            switch c {
            case "\\":
                _ = advance()
                if index < characters.count, "{}|\\".contains(characters[index]) {
                    text.append(advance())
                } else {
                    text.append("\\")
                }
            case "{":
                flush()
                nodes.append(try parseGroup(depth: depth + 1))
            case "}":
                if insideGroup { flush(); return (nodes, "}") }
                throw TemplateError(
                    .unexpectedClosingBrace, line: line, column: column,
                    message: "'}' without a matching '{'; write \\} for a literal brace"
                )
            case "|" where insideGroup:
                flush()
                return (nodes, "|")
            default:
                text.append(advance())
            }
        }
        flush()
        return (nodes, nil)
    }

    private mutating func parseGroup(depth: Int) throws(TemplateError) -> TemplateNode {
        let start = position
        guard depth <= Self.maximumDepth else {
            throw TemplateError(.nestedTooDeep, line: start.line, column: start.column,
                                message: "spintax is nested more than \(Self.maximumDepth) levels deep")
        }
        _ = advance()  // "{"
        var options: [[TemplateNode]] = []
        while true {
            let (option, terminator) = try parseSequence(depth: depth, insideGroup: true)
            options.append(option)
            switch terminator {
            case "|":
                _ = advance()
            case "}":
                _ = advance()
                return try finish(options, at: start)
            default:
                throw TemplateError(.unclosedBrace, line: start.line, column: start.column,
                                    message: "'{' is never closed with '}'; write \\{ for a literal brace")
            }
        }
    }

    private func finish(_ options: [[TemplateNode]], at start: TextPosition) throws(TemplateError) -> TemplateNode {
        if options.count == 1, options[0].count == 1, case .group(let inner, _) = options[0][0] {
            return .group(options: inner, position: start)  // {{name}} is {name}
        }
        if options.count == 1 && options[0].isEmpty {
            throw TemplateError(.emptyGroup, line: start.line, column: start.column,
                                message: "'{}' is empty; put a variable name such as {name} inside, or write \\{\\} for literal braces")
        }
        return .group(options: options, position: start)
    }
}
