public import Templates
import Foundation

/// Drafts and improves campaign messages with a language model, and lets nothing through that
/// Siaran's own template checker refuses: every text is checked (length with the opt-out line,
/// variables, formatting, no opt-out line of its own); a text that fails goes back to the model
/// once with the checker's words, and is dropped with a note if it fails again. The result is
/// for a person to read, edit and approve; nothing here sends anything.
public struct MessageWriter: Sendable {
    /// What the checks and prompts need from the configuration.
    public struct Settings: Sendable {
        /// `message:` in pipeline.yaml: the opt-out footer and the length limits.
        public var message: MessageConfiguration
        /// `optout.keywords`: words a text must not tell readers to reply with.
        public var optOutKeywords: [String]
        /// `company.name`, so the model knows whose customers it writes to.
        public var company: String
        public var prompts: PromptLibrary

        public init(message: MessageConfiguration = .init(), optOutKeywords: [String] = MessageRenderer.defaultOptOutKeywords,
                    company: String = "Siaran", prompts: PromptLibrary = PromptLibrary(folder: nil)) {
            self.message = message
            self.optOutKeywords = optOutKeywords
            self.company = company
            self.prompts = prompts
        }
    }

    /// The contact list a message is written for: its columns (the variables a text may use)
    /// and each column's longest value (so the length check holds for every contact).
    public struct Audience: Sendable, Equatable {
        public var columns: [String]
        public var longestValues: [String: Int]
        /// Sent with a picture: the caption limit applies.
        public var hasMedia: Bool

        public init(columns: [String] = [], longestValues: [String: Int] = [:], hasMedia: Bool = false) {
            self.columns = columns
            self.longestValues = longestValues
            self.hasMedia = hasMedia
        }
    }

    public enum Tone: String, Sendable, CaseIterable {
        case santai, formal
    }

    public enum Goal: String, Sendable, CaseIterable {
        case shorter, clearer, friendlier
        case moreFormal = "more-formal"
    }

    /// Something the person should know about a result: a text dropped or kept as it was, and why.
    public struct Note: Sendable, Equatable, CustomStringConvertible {
        /// 1-based number of the variant as the model wrote it (A = 1), or nil for the whole result.
        public var variant: Int?
        public var message: String

        public init(variant: Int?, message: String) {
            self.variant = variant
            self.message = message
        }

        public var description: String {
            variant.map { "variant \(MessageTemplate.variantName($0 - 1)): \(message)" } ?? message
        }
    }

    /// Texts written from a request, each one passed the checks.
    public struct Draft: Sendable, Equatable {
        public var variants: [String]
        public var notes: [Note]
        /// Provider and model, for the audit log.
        public var model: String

        /// The variants as a message file: separated by `---` lines, Siaran's A/B format.
        public var fileText: String { variants.joined(separator: "\n---\n") + "\n" }
    }

    /// An improved message: the whole file (front matter kept) and, per variant, what changed.
    public struct Improvement: Sendable, Equatable {
        public struct Variant: Sendable, Equatable {
            public var before: String
            public var after: String
            public var changes: [String]
            /// False when the improved text failed the checks twice and the original was kept.
            public var improved: Bool
        }

        public var original: String
        public var text: String
        public var variants: [Variant]
        public var notes: [Note]
        public var model: String
        /// A line diff of `original` against `text`.
        public var diff: [TextDiff.Line] { TextDiff.lines(from: original, to: text) }
    }

    public let model: any LanguageModel
    public let settings: Settings

    public init(model: any LanguageModel, settings: Settings) {
        self.model = model
        self.settings = settings
    }

    // MARK: - Writing

    /// Writes `count` variants (1–5) of the message `prompt` describes.
    public func write(prompt: String, count: Int = 3, language: PromptLibrary.Language = .indonesian, tone: Tone = .santai,
                      audience: Audience = .init()) async throws(AIError) -> Draft {
        let count = min(max(count, 1), 5)
        let system = settings.prompts.render(.write, language, promptValues(language: language, audience: audience).merging([
            "variants": "\(count)", "tone": toneDescription(tone, language),
        ]) { _, new in new })
        var turns = [ModelRequest.Turn(.user, prompt.trimmingCharacters(in: .whitespacesAndNewlines))]
        let first = try await ask(ModelRequest(system: system, turns: turns, output: .variants), as: VariantsAnswer.self) { !$0.variants.isEmpty }
        var texts = first.value.variants.map { $0.text.trimmingCharacters(in: .whitespacesAndNewlines) }
        var notes: [Note] = []
        if texts.count > count {
            notes.append(Note(variant: nil, message: "the model wrote \(texts.count) variants; the first \(count) are kept"))
            texts = Array(texts.prefix(count))
        } else if texts.count < count {
            notes.append(Note(variant: nil, message: "the model wrote \(texts.count) of the \(count) variants asked for"))
        }
        var problems = texts.map { self.problems(in: $0, language: language, audience: audience) }
        let failing = problems.indices.filter { !problems[$0].isEmpty }
        if !failing.isEmpty {
            turns.append(ModelRequest.Turn(.assistant, first.object.text))
            turns.append(ModelRequest.Turn(.user, fixRequest(failing.map { ($0, problems[$0]) }, language: language)))
            let again = try await ask(ModelRequest(system: system, turns: turns, output: .variants), as: VariantsAnswer.self) { !$0.variants.isEmpty }
            for (position, index) in failing.enumerated() where position < again.value.variants.count {
                let text = again.value.variants[position].text.trimmingCharacters(in: .whitespacesAndNewlines)
                texts[index] = text
                problems[index] = self.problems(in: text, language: language, audience: audience)
            }
        }
        var kept: [String] = []
        for (index, text) in texts.enumerated() {
            if !problems[index].isEmpty {
                notes.append(Note(variant: index + 1, message: "dropped: " + problems[index].joined(separator: "; ")))
            } else if kept.contains(text) {
                notes.append(Note(variant: index + 1, message: "dropped: the same text as another variant"))
            } else {
                kept.append(text)
            }
        }
        guard !kept.isEmpty else {
            throw AIError(.nothingPassed, provider: model.summary, detail: notes.last?.description)
        }
        return Draft(variants: kept, notes: notes, model: model.summary)
    }

    // MARK: - Improving

    /// Improves every variant of `text` (a message file, front matter kept as it is) towards `goal`.
    /// `language` is the language the changes are explained in. Throws the file's own
    /// `TemplateError` (with line and column) before asking anything when it cannot be parsed.
    public func improve(_ text: String, file: String? = nil, goal: Goal, language: PromptLibrary.Language = .indonesian,
                        audience: Audience = .init()) async throws -> Improvement {
        let template = try MessageTemplate(text: text, file: file)
        let (header, _) = FrontMatter.split(text)
        let sources = template.variantSources
        let messageLanguage = template.metadata.language == "en" ? PromptLibrary.Language.english : .indonesian
        let system = settings.prompts.render(.improve, language, promptValues(language: language, audience: audience).merging([
            "goal": goalDescription(goal, language), "count": "\(sources.count)", "interface_language": language.name,
        ]) { _, new in new })
        var turns = [ModelRequest.Turn(.user, sources.joined(separator: "\n===\n"))]
        let first = try await ask(ModelRequest(system: system, turns: turns, output: .improvements), as: ImprovementsAnswer.self) {
            $0.variants.count == sources.count
        }
        var answers = first.value.variants
        var problems = answers.map { self.problems(in: $0.text, language: messageLanguage, audience: audience, metadata: template.metadata) }
        let failing = problems.indices.filter { !problems[$0].isEmpty }
        if !failing.isEmpty {
            turns.append(ModelRequest.Turn(.assistant, first.object.text))
            turns.append(ModelRequest.Turn(.user, fixRequest(failing.map { ($0, problems[$0]) }, language: language)))
            if let again = try? await ask(ModelRequest(system: system, turns: turns, output: .improvements), as: ImprovementsAnswer.self, valid: { !$0.variants.isEmpty }) {
                for (position, index) in failing.enumerated() where position < again.value.variants.count {
                    answers[index] = again.value.variants[position]
                    problems[index] = self.problems(in: answers[index].text, language: messageLanguage, audience: audience, metadata: template.metadata)
                }
            }
        }
        var notes: [Note] = []
        var variants: [Improvement.Variant] = []
        for (index, source) in sources.enumerated() {
            let after = answers[index].text.trimmingCharacters(in: .whitespacesAndNewlines)
            if problems[index].isEmpty {
                variants.append(.init(before: source, after: after, changes: answers[index].changes, improved: true))
                let lost = Self.variables(in: source).subtracting(Self.variables(in: after))
                if !lost.isEmpty {
                    notes.append(Note(variant: index + 1, message: "the improved text no longer uses " + lost.sorted().map { "{\($0)}" }.joined(separator: ", ")))
                }
            } else {
                variants.append(.init(before: source, after: source, changes: [], improved: false))
                notes.append(Note(variant: index + 1, message: "kept as it was; the improved text did not pass: " + problems[index].joined(separator: "; ")))
            }
        }
        guard variants.contains(where: \.improved) else {
            throw AIError(.nothingPassed, provider: model.summary, detail: notes.last?.description)
        }
        let body = variants.map(\.after).joined(separator: "\n---\n") + "\n"
        return Improvement(original: text, text: (header ?? "") + body, variants: variants, notes: notes, model: model.summary)
    }

    // MARK: - Checking

    /// What Siaran's checker says about one drafted text, in words for the model and the person
    /// (`line 2, column 5: …`); empty when it may be shown.
    public func problems(in text: String, language: PromptLibrary.Language, audience: Audience,
                         metadata: TemplateMetadata = .init()) -> [String] {
        if text.isEmpty { return ["the text is empty"] }
        var metadata = metadata
        metadata.language = metadata.language ?? language.rawValue
        let template: MessageTemplate
        do {
            template = try MessageTemplate(variants: [text], metadata: metadata)
        } catch {
            return [Self.describe(error)]
        }
        let renderer = MessageRenderer(configuration: settings.message, columns: audience.columns)
        let check = renderer.checkDraft(template, hasMedia: audience.hasMedia, longestValues: audience.longestValues,
                                        optOutKeywords: settings.optOutKeywords)
        return check.errors.map(Self.describe)
    }

    static func describe(_ error: TemplateError) -> String {
        error.line > 0 ? "line \(error.line), column \(error.column): \(error.message)" : error.message
    }

    /// Variable names used in a text (`{name|Kak}` → `name`), for the "no longer uses" note.
    static func variables(in text: String) -> Set<String> {
        let pattern = try! NSRegularExpression(pattern: #"\{\{?\s*([a-z_][a-z0-9_]*)\s*[|}]"#)
        let range = NSRange(text.startIndex..., in: text)
        return Set(pattern.matches(in: text, range: range).compactMap { Range($0.range(at: 1), in: text).map { String(text[$0]) } })
    }

    // MARK: - Prompts

    private func promptValues(language: PromptLibrary.Language, audience: Audience) -> [String: String] {
        let limit = audience.hasMedia ? settings.message.maxCaptionLength : settings.message.maxTextLength
        let footer = settings.message.optOutFooterEnabled ? settings.message.optOutFooter : ""
        let english = language == .english
        let columns = audience.columns.map { $0.lowercased() }.filter { $0 != "phone" }
        let variables: String
        if columns.isEmpty {
            variables = english
                ? "There is no contact list, so the only variable is {name|Kak} (the contact's name, with a fallback); you may also use none."
                : "Tidak ada daftar kontak, jadi satu-satunya variabel adalah {name|Kak} (nama kontak, dengan nilai cadangan); boleh juga tidak memakai variabel."
        } else {
            let list = columns.map { "{\($0)}" }.joined(separator: ", ")
            variables = english
                ? "The contact list has these columns: \(list). Use only these, each with a fallback (like {\(columns[0])|…}) because some contacts may lack a value."
                : "Daftar kontak punya kolom: \(list). Pakai hanya ini, masing-masing dengan nilai cadangan (seperti {\(columns[0])|…}) karena sebagian kontak mungkin tidak punya nilainya."
        }
        return [
            "company": settings.company,
            "language": language.name,
            "limit": "\(limit)",
            "limit_kind": audience.hasMedia
                ? (english ? "WhatsApp's caption limit, as the message goes with a picture" : "batas keterangan gambar WhatsApp, karena pesan dikirim dengan gambar")
                : (english ? "WhatsApp's text limit" : "batas teks WhatsApp"),
            "variables": variables,
            "optout": footer.isEmpty ? (english ? "the configured opt-out line" : "baris berhenti langganan yang diatur") : footer,
        ]
    }

    private func toneDescription(_ tone: Tone, _ language: PromptLibrary.Language) -> String {
        switch (tone, language) {
        case (.santai, .indonesian): "santai dan hangat, seperti pemilik toko menyapa pelanggan langganan; sapaan \"Kak\" cocok"
        case (.santai, .english): "relaxed and warm, like a shop owner greeting a regular customer"
        case (.formal, .indonesian): "sopan dan formal, dengan sapaan \"Bapak/Ibu\"; tanpa bahasa gaul"
        case (.formal, .english): "polite and formal; no slang"
        }
    }

    private func goalDescription(_ goal: Goal, _ language: PromptLibrary.Language) -> String {
        switch (goal, language) {
        case (.shorter, .indonesian): "buat lebih pendek, sekitar setengahnya jika bisa, tanpa kehilangan informasi penting."
        case (.shorter, .english): "make it shorter, about half if possible, without losing important information."
        case (.clearer, .indonesian): "buat lebih jelas: satu gagasan utama, kalimat sederhana, ajakan bertindak yang jelas."
        case (.clearer, .english): "make it clearer: one main idea, simple sentences, an obvious call to action."
        case (.friendlier, .indonesian): "buat lebih ramah dan hangat, tanpa berlebihan."
        case (.friendlier, .english): "make it friendlier and warmer, without overdoing it."
        case (.moreFormal, .indonesian): "buat lebih formal dan sopan, dengan sapaan \"Bapak/Ibu\" dan tanpa bahasa gaul."
        case (.moreFormal, .english): "make it more formal and polite, without slang."
        }
    }

    private func fixRequest(_ failures: [(index: Int, problems: [String])], language: PromptLibrary.Language) -> String {
        let label = language == .english ? "Variant" : "Varian"
        let list = failures.map { failure in
            "\(label) \(failure.index + 1):\n" + failure.problems.map { "- \($0)" }.joined(separator: "\n")
        }.joined(separator: "\n\n")
        return settings.prompts.render(.fix, language, ["problems": list, "count": "\(failures.count)"])
    }

    // MARK: - Asking

    struct VariantsAnswer: Decodable {
        struct Variant: Decodable { var text: String }
        var variants: [Variant]
    }

    struct ImprovementsAnswer: Decodable {
        struct Variant: Decodable {
            var text: String
            var changes: [String]
        }
        var variants: [Variant]
    }

    /// Asks for a structured answer and decodes it; an answer that is not the asked-for JSON (or
    /// fails `valid`) is asked for once more, then reported as `.malformedAnswer`.
    func ask<T: Decodable>(_ request: ModelRequest, as type: T.Type, valid: (T) -> Bool) async throws(AIError) -> (value: T, object: JSONValue) {
        try await StructuredAnswer.ask(model, request, as: type, valid: valid)
    }
}

/// The one retry of a malformed answer, shared by every kind of request.
enum StructuredAnswer {
    static func ask<T: Decodable>(_ model: any LanguageModel, _ request: ModelRequest, as type: T.Type,
                                  valid: (T) -> Bool) async throws(AIError) -> (value: T, object: JSONValue) {
        var lastError = AIError(.malformedAnswer, provider: model.summary)
        for _ in 1...2 {
            let reply: ModelReply
            do {
                reply = try await model.answer(request)
            } catch where error.code == .malformedAnswer {
                lastError = error
                continue
            }
            if let value = try? reply.object.decode(T.self), valid(value) {
                return (value, reply.object)
            }
        }
        throw lastError
    }
}

/// A message file's front matter (`---` … `---` at the top), kept verbatim when a text is improved.
enum FrontMatter {
    /// The front matter with its closing line and line break, and the rest.
    static func split(_ text: String) -> (header: String?, body: String) {
        let normalised = text.replacingOccurrences(of: "\r\n", with: "\n")
        let lines = normalised.split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, first.trimmingCharacters(in: .whitespaces) == "---",
              let end = lines.dropFirst().firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "---" }) else {
            return (nil, normalised)
        }
        return (lines[...end].joined(separator: "\n") + "\n", lines[(end + 1)...].joined(separator: "\n"))
    }
}
