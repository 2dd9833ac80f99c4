import Foundation

/// A suggested answer for the Inbox: the model reads the conversation and drafts one answer for
/// the operator to edit. It is only ever shown in the answer box; a person sends it (or not).
extension MessageWriter {
    /// One line of a conversation, oldest first.
    public struct ConversationLine: Sendable, Equatable {
        /// True for what the business sent (campaign messages and answers), false for the customer.
        public var fromBusiness: Bool
        public var text: String

        public init(fromBusiness: Bool, text: String) {
            self.fromBusiness = fromBusiness
            self.text = text
        }
    }

    public struct SuggestedAnswer: Sendable, Equatable {
        public var text: String
        public var model: String
    }

    /// Drafts one answer to the customer's last text. Only the last 20 lines are sent to the provider.
    public func suggestAnswer(to conversation: [ConversationLine], language: PromptLibrary.Language = .indonesian) async throws(AIError) -> SuggestedAnswer {
        let lines = conversation.suffix(20).map { "\($0.fromBusiness ? "Business" : "Customer"): \($0.text)" }.joined(separator: "\n")
        let system = """
            You help the staff of \(settings.company) answer a customer on WhatsApp. Read the conversation and \
            write ONE short, friendly answer to the customer's last message, in \(language.name), as the business. \
            Do not invent prices, stock, addresses or promises that the conversation does not state; where a fact \
            is missing, say that staff will confirm it. No opt-out line, no signature. A person will read and edit \
            your draft before anything is sent. Answer with one variant.
            """
        let request = ModelRequest(system: system, turns: [ModelRequest.Turn(.user, lines)], output: .variants)
        let answer = try await ask(request, as: VariantsAnswer.self) {
            !($0.variants.first?.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ?? true)
        }
        var text = answer.value.variants[0].text.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.count > 4096 { text = String(text.prefix(4096)) }
        return SuggestedAnswer(text: text, model: model.summary)
    }
}
