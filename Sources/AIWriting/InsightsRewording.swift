/// Asks the model to reword a campaign's rule-written insights paragraph in friendlier words.
/// What comes back is not trusted: the caller (Reports' `InsightsComposer`) refuses any text that
/// states a number the campaign's figures do not hold, and then uses the rule-written paragraph.
public struct InsightsRewording: Sendable {
    public let model: any LanguageModel
    public let prompts: PromptLibrary
    public let company: String
    /// The longest paragraph asked for, in words.
    public var maxWords: Int

    public init(model: any LanguageModel, prompts: PromptLibrary, company: String, maxWords: Int = 120) {
        self.model = model
        self.prompts = prompts
        self.company = company
        self.maxWords = maxWords
    }

    struct Answer: Decodable { var text: String }

    /// The reworded paragraph (not yet checked).
    public func reword(_ paragraph: String, language: PromptLibrary.Language) async throws(AIError) -> String {
        let system = prompts.render(.insights, language, ["company": company, "language": language.name, "words": "\(maxWords)"])
        let request = ModelRequest(system: system, turns: [.init(.user, paragraph)], output: .paragraph)
        let answer = try await StructuredAnswer.ask(model, request, as: Answer.self) {
            !$0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        }
        return answer.value.text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
