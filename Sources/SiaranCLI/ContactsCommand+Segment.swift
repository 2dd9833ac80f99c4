import ArgumentParser
import Contacts
import Foundation
import Pipeline
import Siaran
import Store

extension ContactsCommand {
    /// `siaran contacts segment FILE --where "…"`: who of a list a `segment:` would reach, counted,
    /// and the matching contacts written out, before a campaign is dropped.
    struct SegmentPreview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "segment",
            abstract: "Preview a segment of a contact list: count who matches and write them to a CSV.",
            discussion: """
                The --where text is the same as segment: in campaign.yaml. Conditions on the list's columns: \
                city = Jakarta, city != Bandung, city in (Jakarta, Bandung), name contains budi, age >= 18, \
                age between 18 and 30, tag vip (a tags column). On past campaigns (dry-runs never count): \
                replied within 30 days, read within 14 days, unread in last 3 campaigns (delivered, never read), \
                never delivered. Join with and, or, not and parentheses. Opted-out numbers are always left out.

                Example: siaran contacts segment contacts.csv --where "city in (Jakarta, Bogor) and replied within 30 days"
                """
        )

        @Argument(help: "The contact list: numbers.txt, contacts.csv or contacts.xlsx.")
        var file: String

        @Option(name: .customLong("where"), help: "The segment's conditions.")
        var condition: String

        @Option(help: "Where to write the matching contacts (phone plus the list's columns).")
        var out = "segment.csv"

        @Option(help: "Worksheet to read from an .xlsx (default: the first).")
        var sheet: String?

        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            let segment: Segment
            do {
                segment = try Segment.parse(condition)
            } catch {
                printError("--where:1:\(error.offset + 1): \(error.english)")
                throw ExitCode(2)
            }
            // Without a pipeline.yaml (a list checked on its own), the defaults and state/ here.
            let configuration = options.config == nil && !FileManager.default.fileExists(atPath: options.path) ? SiaranConfiguration() : try options.load()
            let database = try await openDatabase(configuration)
            let optOut = try await CampaignInputs.optOutList(file: configuration.optOutFile, contacts: configuration.contacts, database: database)
            let result: ContactListResult
            do {
                result = try ContactListReader(file: file, configuration: configuration.contacts, sheet: sheet).check(optOut: optOut)
            } catch let error as ContactsError {
                printError(error.description)
                throw ExitCode(2)
            }
            let chosen: CampaignAudience.Outcome
            do {
                chosen = try await CampaignAudience(segment: segment, guardCampaigns: 0).choose(from: result, database: database, campaign: nil, now: Date())
            } catch let missing as CampaignAudience.MissingColumn {
                let columns = missing.columns.isEmpty ? "none (a plain numbers file)" : missing.columns.joined(separator: ", ")
                printError("--where:1:\(missing.offset + 1): \((file as NSString).lastPathComponent) has no column '\(missing.column)' (its columns: \(columns))")
                throw ExitCode(2)
            }
            do {
                try chosen.result.writeAccepted(to: out)
            } catch {
                printError("\(out): cannot write the matching contacts (\(error.localizedDescription))")
                throw ExitCode(1)
            }
            let matching = chosen.result.accepted.count
            print("rows=\(result.counts.rows) usable=\(result.counts.accepted) opted_out=\(result.counts.optedOut) "
                  + "outside_segment=\(chosen.outsideSegment ?? 0) matching=\(matching)")
            print("wrote \(out)")
        }
    }
}
