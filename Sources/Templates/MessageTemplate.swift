public import Foundation
import Yams

/// A campaign message as written by staff: optional front matter, then one or more variants
/// separated by a line `---` (for A/B tests).
///
/// Syntax (documented for staff in docs/):
/// - `{name}` or `{{name}}`: a contact's value (column names are matched without regard to case;
///   `{phone}`, `{date}`, `{campaign}` are built in; `{name}` and `{nama}` stand for each other).
/// - `{name|Kak}`: a variable with a fallback for contacts that have no value.
/// - `{Halo|Hai|Selamat pagi}`: spintax, one option chosen per contact, nested as needed.
/// - A group is a variable when its first option is a variable name that is built in, a column of
///   the contact list, or written in lower case; otherwise it is spintax.
/// - `\{`, `\}`, `\|` and `\\` are literal characters.
public struct MessageTemplate: Sendable, Equatable {
    public var metadata: TemplateMetadata
    /// Parsed variants, in file order. A message without `---` has one.
    public var variants: [[TemplateNode]]
    /// The variants' source text, for storage and previews.
    public var variantSources: [String]
    /// Where the template came from, for error messages.
    public var file: String?

    /// Names always available to `{…}`.
    public static let builtInVariables: Set<String> = ["phone", "date", "tanggal", "campaign", "name", "nama"]

    /// Parses a template from raw bytes, refusing anything that is not UTF-8.
    public init(data: Data, file: String? = nil) throws(TemplateError) {
        guard let text = String(validating: data, as: UTF8.self) else {
            throw Self.encodingError(data, file: file)
        }
        try self.init(text: text, file: file)
    }

    /// Parses a template from text.
    public init(text: String, file: String? = nil) throws(TemplateError) {
        self.file = file
        var body = text
        if body.hasPrefix("\u{FEFF}") { body.removeFirst() }  // BOM from Windows editors
        // Windows line breaks: in Swift "\r\n" is one Character, so splitting on "\n" would not
        // see them and front matter or `---` variant lines written in Notepad would be missed.
        body = body.replacingOccurrences(of: "\r\n", with: "\n")
        var firstLine = 1
        (metadata, body, firstLine) = try Self.splitFrontMatter(body, file: file)
        var variants: [[TemplateNode]] = []
        var sources: [String] = []
        for (source, line) in Self.splitVariants(body, firstLine: firstLine) {
            let trimmed = source.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            var parser = TemplateParser(Self.trimBlankLines(source), firstLine: line + Self.leadingBlankLines(source))
            do {
                variants.append(try parser.parse())
            } catch {
                throw error.located(in: file)
            }
            sources.append(trimmed)
        }
        guard !variants.isEmpty else {
            throw TemplateError(.emptyMessage, file: file, message: "the message is empty; write the text to send")
        }
        self.variants = variants
        self.variantSources = sources
    }

    /// Builds a template from variant texts given elsewhere (`variants:` in campaign.yaml).
    public init(variants texts: [String], metadata: TemplateMetadata = .init(), file: String? = nil) throws(TemplateError) {
        self.file = file
        self.metadata = metadata
        var variants: [[TemplateNode]] = []
        for text in texts {
            var parser = TemplateParser(text.trimmingCharacters(in: .whitespacesAndNewlines))
            do { variants.append(try parser.parse()) } catch { throw error.located(in: file) }
        }
        guard !variants.isEmpty, texts.contains(where: { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) else {
            throw TemplateError(.emptyMessage, file: file, message: "the message is empty; write the text to send")
        }
        self.variants = variants
        self.variantSources = texts.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// Variant labels as reports show them: A, B, C, …
    public var variantNames: [String] {
        variants.indices.map { Self.variantName($0) }
    }

    public static func variantName(_ index: Int) -> String {
        index < 26 ? String(UnicodeScalar(UInt8(65 + index))) : "V\(index + 1)"
    }

    // MARK: - Source splitting

    private static func splitFrontMatter(_ text: String, file: String?) throws(TemplateError) -> (TemplateMetadata, String, Int) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, first.trimmingCharacters(in: .whitespaces) == "---" else {
            return (TemplateMetadata(), text, 1)
        }
        guard let end = lines.dropFirst().firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "---" }) else {
            throw TemplateError(.invalidFrontMatter, file: file, line: 1, column: 1,
                                message: "front matter starts with '---' on line 1 but is never closed by another '---' line")
        }
        let yaml = lines[1..<end].joined(separator: "\n")
        let metadata = try parseMetadata(yaml, file: file)
        let body = lines[(end + 1)...].joined(separator: "\n")
        return (metadata, body, end + 2)
    }

    private static func parseMetadata(_ yaml: String, file: String?) throws(TemplateError) -> TemplateMetadata {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw TemplateError(.invalidFrontMatter, file: file, line: 1, column: 1, message: "front matter is not valid YAML: \(error)")
        }
        guard let mapping = node?.mapping else {
            if node == nil { return TemplateMetadata() }
            throw TemplateError(.invalidFrontMatter, file: file, line: 2, column: 1, message: "front matter must be 'key: value' lines")
        }
        var metadata = TemplateMetadata()
        for (key, value) in mapping {
            let line = (key.mark?.line ?? 0) + 1
            switch key.string ?? "" {
            case "name": metadata.name = value.string
            case "language": metadata.language = value.string
            case "description": metadata.description = value.string
            case "tags":
                if let sequence = value.sequence {
                    metadata.tags = sequence.compactMap(\.string)
                } else if let single = value.string {
                    metadata.tags = single.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                }
            case "optout_footer":
                guard let text = value.string, !text.trimmingCharacters(in: .whitespaces).isEmpty,
                      !["false", "no", "off"].contains(text.lowercased()) else {
                    throw TemplateError(.invalidFrontMatter, file: file, line: line, column: 1,
                                        message: "'optout_footer' must be the footer text; it can only be turned off in pipeline.yaml (message.optout_footer_enabled: false)")
                }
                metadata.optOutFooter = text
            default:
                throw TemplateError(.invalidFrontMatter, file: file, line: line, column: key.mark?.column ?? 1,
                                    message: "unknown front matter key '\(key.string ?? "?")'; expected name, language, description, tags, optout_footer")
            }
        }
        return metadata
    }

    /// Splits on lines that are exactly `---`, remembering each part's first line number.
    private static func splitVariants(_ body: String, firstLine: Int) -> [(String, Int)] {
        var parts: [(String, Int)] = []
        var current: [Substring] = []
        var currentStart = firstLine
        for (offset, line) in body.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.trimmingCharacters(in: .whitespaces) == "---" {
                parts.append((current.joined(separator: "\n"), currentStart))
                current = []
                currentStart = firstLine + offset + 1
            } else {
                current.append(line)
            }
        }
        parts.append((current.joined(separator: "\n"), currentStart))
        return parts
    }

    private static func leadingBlankLines(_ text: String) -> Int {
        var count = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.trimmingCharacters(in: .whitespaces).isEmpty else { break }
            count += 1
        }
        return count
    }

    /// Removes blank lines around the text but keeps indentation and inner blank lines.
    private static func trimBlankLines(_ text: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0.hasSuffix("\r") ? $0.dropLast() : $0) }
        while let first = lines.first, first.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeFirst() }
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    private static func encodingError(_ data: Data, file: String?) -> TemplateError {
        if data.starts(with: [0xFF, 0xFE]) || data.starts(with: [0xFE, 0xFF]) {
            return TemplateError(.notUTF8, file: file,
                                 message: "the file is saved as UTF-16 (\"Unicode\"); save it as UTF-8 (in Notepad: Save As → Encoding: UTF-8)")
        }
        // Find the first bad byte so staff can see where the problem is.
        var line = 1, column = 1
        var index = data.startIndex
        while index < data.endIndex {
            let byte = data[index]
            let length = byte < 0x80 ? 1 : byte >> 5 == 0b110 ? 2 : byte >> 4 == 0b1110 ? 3 : byte >> 3 == 0b11110 ? 4 : 0
            let end = index + length
            if length == 0 || end > data.endIndex || String(validating: data[index..<end], as: UTF8.self) == nil {
                break
            }
            if byte == 0x0A { line += 1; column = 1 } else { column += 1 }
            index = end
        }
        return TemplateError(.notUTF8, file: file, line: line, column: column,
                             message: "the file is not UTF-8 text (byte 0x\(String(format: "%02X", index < data.endIndex ? data[index] : 0)) here); save it as UTF-8")
    }
}
