public import Foundation

/// Rewords a campaign's rule-written insights paragraph in friendlier words (a language model,
/// wired in by the composition root). Whatever it returns passes ``CampaignInsights/accepting(_:model:)``
/// before it is shown, so it cannot add a figure the campaign does not have.
public protocol InsightsRewriter: Sendable {
    /// Provider and model, shown under the paragraph and written to `insights.json`.
    var summary: String { get }
    func reword(_ paragraph: String, language: ReportsConfiguration.Language) async throws -> String
}

/// `outbox/<campaign>/insights.json`, written with the reports when a rewriter is configured: the
/// rule-written draft, what the model made of it, whether the number check took it, and the text
/// used. The dashboard shows the same text; the next report reuses the model's answer while the
/// figures (so the draft) are unchanged, instead of asking again.
public struct InsightsFile: Codable, Sendable, Equatable {
    public static let fileName = "insights.json"

    public var language: String
    public var draft: String
    /// The model's rewording, as it answered; nil when it could not be had.
    public var reworded: String?
    /// Provider and model that reworded it.
    public var model: String?
    /// Numbers of `reworded` that are not the campaign's figures; empty when it was taken.
    public var refused: [String]
    /// What report.pdf shows.
    public var text: String
    /// `model` when `text` is the model's, `rules` otherwise.
    public var source: String
    public var generatedAt: Date

    public init(insights: CampaignInsights, reworded: String?, model: String?, refused: [String], generatedAt: Date) {
        language = insights.language.rawValue
        draft = insights.draft
        self.reworded = reworded
        self.model = model
        self.refused = refused
        text = insights.text
        if case .model = insights.source { source = "model" } else { source = "rules" }
        self.generatedAt = generatedAt
    }

    public static func read(folder: String) -> InsightsFile? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent(fileName))
            .flatMap { try? decoder.decode(InsightsFile.self, from: $0) }
    }

    public func write(folder: String, campaign: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let data: Data
        do { data = try encoder.encode(self) } catch {
            throw ReportsError(.cannotWrite(reason: "the insights cannot be encoded"), campaign: campaign, file: Self.fileName)
        }
        let output = try AtomicFileOutput(path: (folder as NSString).appendingPathComponent(Self.fileName), campaign: campaign)
        try output.write(bytes: Array(data))
        try output.commit()
    }
}

/// Runs `body` for at most `limit`; nil when it took longer or threw.
func withinTime<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async -> Result<T, any Error> {
    await withTaskGroup(of: Result<T, any Error>?.self) { group in
        group.addTask {
            do { return .success(try await body()) } catch { return .failure(error) }
        }
        group.addTask {
            try? await Task.sleep(for: limit)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first ?? .failure(CancellationError())
    }
}
