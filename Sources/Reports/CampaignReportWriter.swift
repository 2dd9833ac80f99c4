public import Foundation
public import Logging
public import Store

/// Writes a campaign's reports (`report.csv`, `report.xlsx`, `report.pdf`, `summary.json`) into
/// its outbox folder, all from one database snapshot so every format shows the same numbers.
/// Used when a campaign finishes or is cancelled (`partial`), and by `siaran report`.
public struct CampaignReportWriter: Sendable {
    public let database: SiaranDatabase
    public let configuration: ReportsConfiguration
    public let logger: Logger?

    public init(database: SiaranDatabase, configuration: ReportsConfiguration, logger: Logger? = nil) {
        self.database = database
        self.configuration = configuration
        self.logger = logger
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
        let written = try await database.snapshot { snapshot in
            let overview = try CampaignOverview.load(snapshot, campaign: campaign, partial: partial, now: now, finalState: finalState)
            let text = ReportText(configuration.language)
            var written: [String] = []
            for format in ReportsConfiguration.Format.allCases where formats.contains(format) {
                let path = (folder as NSString).appendingPathComponent(Self.fileName(format))
                switch format {
                case .csv:
                    try CampaignCSVReport.write(snapshot, campaign: campaign, to: path, byteOrderMark: configuration.csvByteOrderMark, timeZone: timeZone)
                case .json:
                    try CampaignSummary(overview, timeZone: timeZone).write(to: path)
                case .xlsx:
                    try CampaignXLSXReport.write(snapshot, overview: overview, to: path, text: text, timeZone: timeZone)
                case .pdf:
                    try CampaignPDFReport(overview: overview, configuration: configuration, timeZone: timeZone).write(snapshot, to: path)
                }
                written.append(path)
            }
            return written
        }
        logger?.info("reports written", metadata: [
            "campaign.id": "\(campaign)", "report.files": "\(written.map { ($0 as NSString).lastPathComponent }.joined(separator: ","))",
            "report.partial": "\(partial)", "report.seconds": "\((ContinuousClock.now - started).components.seconds)",
        ])
        return written
    }
}
