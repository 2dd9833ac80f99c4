public import AIWriting
public import Logging
public import Reports
import Foundation

/// The language-model features of one configuration (`ai:`): the message writer for
/// `siaran message write/improve` and the dashboard, and the insights rewording for reports.
/// Nil without an `ai:` section, and then Siaran works exactly as it does without AI.
public struct AIServices: Sendable {
    public let configuration: AIConfiguration
    public let model: any LanguageModel
    public let writer: MessageWriter
    public let insights: any InsightsRewriter

    /// - Throws: `AIError.missingKey` when the server needs a key the environment does not hold
    ///   (the configuration loader reports the same, with the line of `ai.provider`).
    public init?(_ siaran: SiaranConfiguration, logger: Logger, transport: any HTTPTransport = AsyncHTTPClientTransport(),
                 retry: RetryPolicy = RetryPolicy()) throws(AIError) {
        guard let ai = siaran.ai else { return nil }
        configuration = ai
        model = try LanguageModels.make(ai, key: siaran.secrets.aiKey, logger: logger, transport: transport, retry: retry)
        let prompts = PromptLibrary(folder: ai.promptsFolder)
        writer = MessageWriter(model: model, settings: .init(
            message: siaran.message, optOutKeywords: siaran.optOut.keywords, company: siaran.reports.companyName, prompts: prompts))
        insights = ModelInsightsRewriter(rewording: InsightsRewording(model: model, prompts: prompts, company: siaran.reports.companyName))
    }
}

/// Reports' rewriter port, served by the language model.
struct ModelInsightsRewriter: InsightsRewriter {
    let rewording: InsightsRewording

    var summary: String { rewording.model.summary }

    func reword(_ paragraph: String, language: ReportsConfiguration.Language) async throws -> String {
        try await rewording.reword(paragraph, language: language == .english ? .english : .indonesian)
    }
}

extension AIServices {
    /// The services for a command-line tool that prints its own messages: nothing is logged
    /// (so nothing of a request can reach a terminal or a log file).
    public static func quiet(_ siaran: SiaranConfiguration) throws(AIError) -> AIServices? {
        try AIServices(siaran, logger: Logger(label: "ai") { _ in SwiftLogNoOpLogHandler() })
    }
}
