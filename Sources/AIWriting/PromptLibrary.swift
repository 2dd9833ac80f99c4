public import Foundation

/// The prompts Siaran sends, as files operators can read (`prompts/write.id.md`, …). A file in
/// the configured folder wins; otherwise the copy built into the binary is used, so an installed
/// `siaran` works without the repository. `{{name}}` marks are filled in by Siaran.
public struct PromptLibrary: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// System prompt for writing messages from a staff member's request.
        case write
        /// System prompt for improving an existing message.
        case improve
        /// The follow-up when a text failed Siaran's checks.
        case fix
        /// System prompt for rewording a campaign's insights paragraph.
        case insights
    }

    /// Prompt languages: Indonesian and English.
    public enum Language: String, Sendable, CaseIterable {
        case indonesian = "id"
        case english = "en"

        /// How a prompt names the language to write in.
        public var name: String {
            switch self {
            case .indonesian: "Bahasa Indonesia"
            case .english: "English"
            }
        }
    }

    public let folder: String?

    public init(folder: String?) {
        self.folder = folder
    }

    /// `write.id.md` and the like.
    public static func fileName(_ kind: Kind, _ language: Language) -> String { "\(kind.rawValue).\(language.rawValue).md" }

    /// The text of a prompt: the file in the folder when it exists and is readable UTF-8, else the built-in copy.
    public func text(_ kind: Kind, _ language: Language) -> String {
        let name = Self.fileName(kind, language)
        if let folder, let data = FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent(name)),
           let text = String(data: data, encoding: .utf8), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return text
        }
        return Self.builtIn(kind, language)
    }

    /// The copy compiled into the binary.
    public static func builtIn(_ kind: Kind, _ language: Language) -> String {
        DefaultPrompts.files[fileName(kind, language)] ?? ""
    }

    /// Every built-in copy by file name, for the check that they match `prompts/`.
    public static var builtInFiles: [String: String] { DefaultPrompts.files }

    /// The prompt with every `{{name}}` in `values` replaced; other braces are left alone.
    public func render(_ kind: Kind, _ language: Language, _ values: [String: String]) -> String {
        var text = self.text(kind, language)
        for (name, value) in values {
            text = text.replacingOccurrences(of: "{{\(name)}}", with: value)
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
