public import Foundation
public import Logging
public import Store

/// Writes a campaign's reports (`report.csv` with `replies.csv`, `report.xlsx`, `report.pdf`, `summary.json`) into
/// its outbox folder, all from one database snapshot so every format shows the same numbers.
/// Used when a campaign finishes or is cancelled (`partial`), and by `siaran report`.
public struct CampaignReportWriter: Sendable {
    public let database: SiaranDatabase
    public let configuration: ReportsConfiguration
    public let logger: Logger?
    /// Rewords the insights paragraph (a language model); nil keeps the rule-written one.
    public var insightsRewriter: (any InsightsRewriter)?
    /// How long a report waits for the rewording before it uses the rule-written paragraph.
    public var insightsTimeout: Duration

    public init(database: SiaranDatabase, configuration: ReportsConfiguration, logger: Logger? = nil,
                insightsRewriter: (any InsightsRewriter)? = nil, insightsTimeout: Duration = .seconds(120)) {
        self.database = database
        self.configuration = configuration
        self.logger = logger
        self.insightsRewriter = insightsRewriter
        self.insightsTimeout = insightsTimeout
    }

    /// File name of each format inside the campaign folder.
    public static func fileName(_ format: ReportsConfiguration.Format) -> String {
        switch format {
        case .csv: "report.csv"
        case .xlsx: "report.xlsx"
        case .pdf: "report.pdf"
        case .json: "summary.json"
        }
    }

    /// Writes `formats` (the configured ones by default) into `folder`; returns the paths written.
    @discardableResult
    public func write(campaign: String, to folder: String, formats: [ReportsConfiguration.Format]? = nil, partial: Bool,
                      now: Date = Date(), finalState: CampaignRecord.State? = nil) async throws -> [String] {
        let formats = formats ?? configuration.formats
        let configuration = self.configuration
        let timeZone = TimeZone(identifier: configuration.timeZone) ?? .current
        let started = ContinuousClock.now
        let reworded = await rewordedInsights(campaign: campaign, folder: folder, partial: partial, now: now, finalState: finalState, timeZone: timeZone)
        let (written, insights) = try await database.snapshot { snapshot in
            let overview = try CampaignOverview.load(snapshot, campaign: campaign, partial: partial, now: now, finalState: finalState,
                                                     deliveryAlertHours: configuration.deliveryAlertHours)
            // The model's words are checked against this snapshot's figures, the ones the report shows.
            var insights = try CampaignInsights.load(snapshot, overview: overview, language: configuration.language, timeZone: timeZone)
            var refused: [String] = []
            if let reworded, reworded.draft == insights.draft, let text = reworded.text {
                (insights, refused) = insights.accepting(text, model: reworded.model)
            }
            let text = ReportText(configuration.language)
            var written: [String] = []
            for format in ReportsConfiguration.Format.allCases where formats.contains(format) {
                let path = (folder as NSString).appendingPathComponent(Self.fileName(format))
                switch format {
                case .csv:
                    try CampaignCSVReport.write(snapshot, campaign: campaign, to: path, byteOrderMark: configuration.csvByteOrderMark, timeZone: timeZone)
                    let replies = (folder as NSString).appendingPathComponent(CampaignRepliesReport.fileName)
                    try CampaignRepliesReport.write(snapshot, campaign: campaign, to: replies, byteOrderMark: configuration.csvByteOrderMark, timeZone: timeZone)
                    written.append(replies)
                    let stuck = (folder as NSString).appendingPathComponent(CampaignStuckReport.fileName)
                    try CampaignStuckReport.write(snapshot, overview: overview, to: stuck, byteOrderMark: configuration.csvByteOrderMark, timeZone: timeZone)
                    written.append(stuck)
                case .json:
                    try CampaignSummary(overview, timeZone: timeZone).write(to: path)
                case .xlsx:
                    try CampaignXLSXReport.write(snapshot, overview: overview, to: path, text: text, timeZone: timeZone)
                case .pdf:
                    try CampaignPDFReport(overview: overview, configuration: configuration, timeZone: timeZone, insights: insights).write(snapshot, to: path)
                }
                written.append(path)
            }
            return (written, reworded.map { InsightsFile(insights: insights, reworded: $0.text, model: $0.model, refused: refused, generatedAt: now) })
        }
        if let insights {
            if !insights.refused.isEmpty {
                logger?.notice("the model's insights state numbers the campaign does not have; the rule-written paragraph is used", metadata: [
                    "campaign.id": "\(campaign)", "insights.refused": "\(insights.refused.joined(separator: " "))",
                ])
            }
            try insights.write(folder: folder, campaign: campaign)
        }
        logger?.info("reports written", metadata: [
            "campaign.id": "\(campaign)", "report.files": "\(written.map { ($0 as NSString).lastPathComponent }.joined(separator: ","))",
            "report.partial": "\(partial)", "report.seconds": "\((ContinuousClock.now - started).components.seconds)",
        ])
        return written
    }

    /// The model's rewording of this campaign's draft: reused from `insights.json` while the draft
    /// is unchanged, else asked for (within ``insightsTimeout``). Nil without a rewriter.
    private func rewordedInsights(campaign: String, folder: String, partial: Bool, now: Date, finalState: CampaignRecord.State?,
                                  timeZone: TimeZone) async -> (draft: String, text: String?, model: String)? {
        guard let rewriter = insightsRewriter else { return nil }
        let language = configuration.language
        let alertHours = configuration.deliveryAlertHours
        let draft: String
        do {
            draft = try await database.snapshot { snapshot in
                let overview = try CampaignOverview.load(snapshot, campaign: campaign, partial: partial, now: now, finalState: finalState,
                                                         deliveryAlertHours: alertHours)
                return try CampaignInsights.load(snapshot, overview: overview, language: language, timeZone: timeZone).draft
            }
        } catch {
            return nil
        }
        if let cached = InsightsFile.read(folder: folder), cached.language == language.rawValue, cached.draft == draft,
           cached.reworded != nil, let model = cached.model {
            return (draft, cached.reworded, model)
        }
        switch await withinTime(insightsTimeout, { try await rewriter.reword(draft, language: language) }) {
        case .success(let text):
            return (draft, text, rewriter.summary)
        case .failure(let error):
            logger?.notice("the insights stay rule-written: the model could not reword them", metadata: [
                "campaign.id": "\(campaign)", "insights.error": "\(error is CancellationError ? "no answer in time" : String(describing: error))",
            ])
            return (draft, nil, rewriter.summary)
        }
    }
}
