import ArgumentParser
import Foundation
import Reports
import Siaran
import Store

/// `siaran report ID [--format pdf,csv,xlsx,json] [--out DIR]`: writes a campaign's reports
/// again from the database, at any time. A campaign that is cancelled or still running gets a
/// report marked partial.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a campaign's reports (PDF, CSV, Excel, summary.json) again from the database."
    )

    @OptionGroup var options: ConfigurationOptions
    @Argument(help: "The campaign id (see `siaran campaigns list`).") var id: String
    @Option(help: "Comma-separated formats: pdf, csv, xlsx, json (default: reports.formats in pipeline.yaml).") var format: String?
    @Option(help: "Folder to write into (default: outbox/<campaign>/).") var out: String?

    func run() async throws {
        let configuration = try options.load()
        let formats: [ReportsConfiguration.Format]?
        do {
            formats = try format.map(Self.parseFormats)
        } catch let error as ValidationError {
            printError(error.message)
            throw ExitCode(64)
        }
        let database = try await openDatabase(configuration)
        guard let campaign = try await database.campaign(id) else {
            printError("no campaign \(id); see `siaran campaigns list`")
            throw ExitCode(1)
        }
        let folder = out ?? (configuration.paths.outbox as NSString).appendingPathComponent(campaign.folderName)
        let partial = campaign.state != .done
        do {
            // With ai: configured, the insights paragraph is reworded by the model (and checked).
            let ai = try? AIServices.quiet(configuration)
            let files = try await CampaignReportWriter(database: database, configuration: configuration.reports,
                                                       insightsRewriter: ai.flatMap { $0 }?.insights)
                .write(campaign: id, to: folder, formats: formats, partial: partial)
            for file in files { print(file) }
            if partial { print("(\(campaign.state.rawValue): the report is partial)") }
        } catch let error as ReportsError {
            printError(error.description)
            throw ExitCode(1)
        }
    }

    /// `pdf,csv` → [.pdf, .csv]; an unknown word is refused with the list of known ones.
    static func parseFormats(_ text: String) throws -> [ReportsConfiguration.Format] {
        let words = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        guard !words.isEmpty else { throw ValidationError("--format is empty; expected pdf, csv, xlsx or json") }
        return try words.map { word in
            guard let format = ReportsConfiguration.Format(rawValue: word) else {
                throw ValidationError("--format has an unknown format '\(word)'; expected pdf, csv, xlsx or json")
            }
            return format
        }
    }
}
