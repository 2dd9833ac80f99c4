import ArgumentParser
import Contacts
import Foundation
import Pipeline
import Reports
import Siaran
import Store

struct ContactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contacts",
        abstract: "Work with contact lists.",
        subcommands: [Check.self, SegmentPreview.self, Export.self, Forget.self]
    )

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print, as JSON, everything Siaran holds about one number (for a personal-data request under UU PDP).",
            discussion: """
                The number's rows on campaign lists (with the values given for it), every message to it (text, \
                state, times), its replies and its opt-out. The request is written to the audit log.
                """
        )

        @Argument(help: "The number, in any spelling staff use (0812…, +62 812-…, 62812…).")
        var phone: String

        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            let configuration = try options.load()
            let outcome = PhoneNormalizer(configuration: configuration.contacts).normalize(phone)
            guard let number = outcome.phoneNumber else {
                printError("\(phone): not a phone number Siaran would accept (\(outcome.reason?.rawValue ?? "invalid"))")
                throw ExitCode(2)
            }
            let database = try await openDatabase(configuration)
            let data = try await database.personalData(phone: number.description)
            try await database.recordAudit(actor: "cli:\(ProcessInfo.processInfo.environment["USER"] ?? "unknown")", action: "contact.export",
                                           target: number.description, detail: "\(data.messages.count) messages, \(data.replies.count) replies")
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            // Times in the configured zone, like everything else the CLI prints.
            let zone = TimeZone(identifier: configuration.pipeline.sending.timeZone) ?? .current
            encoder.dateEncodingStrategy = .custom { date, encoder in
                var container = encoder.singleValueContainer()
                try container.encode(LocalTimeFormatter.iso8601(date, timeZone: zone))
            }
            print(String(decoding: try encoder.encode(data), as: UTF8.self))
        }
    }

    struct Forget: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase everything Siaran holds about one number (a personal-data erasure request under UU PDP).",
            discussion: """
                Campaign-list values (name, city, …), message texts, reply and answer texts and the conversation are \
                erased; the number itself is replaced by a pseudonym (forgotten-…) wherever a row must stay so that \
                counts and reports remain right. Messages not yet sent to it are cancelled. If the number had opted \
                out it stays suppressed: only a salted hash of it is kept. It is removed from the opt-out file too. \
                Finished campaigns' reports are rewritten by the running daemon within a minute. Audit-logged. \
                This cannot be undone.
                """
        )

        @Argument(help: "The number, in any spelling staff use (0812…, +62 812-…, 62812…).")
        var phone: String

        @Flag(help: "Confirm: erase now (nothing happens without it).")
        var yes = false

        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            let configuration = try options.load()
            let normalizer = PhoneNormalizer(configuration: configuration.contacts)
            let outcome = normalizer.normalize(phone)
            guard let number = outcome.phoneNumber else {
                printError("\(phone): not a phone number Siaran would accept (\(outcome.reason?.rawValue ?? "invalid"))")
                throw ExitCode(2)
            }
            guard yes else {
                printError("this erases \(number)'s personal data for good; run again with --yes to do it (see `siaran contacts export \(number)` first)")
                throw ExitCode(1)
            }
            let digits = number.description
            let national = String(digits.dropFirst(configuration.contacts.countryCode.count))
            let database = try await openDatabase(configuration)
            let onFile = ((try? OptOutList.load(file: configuration.optOutFile, configuration: configuration.contacts)) ?? OptOutList()).contains(number)
            let texts = try await database.personalData(phone: digits).messages.map(\.text)
            let report = try await database.forgetContact(phone: digits, spellings: [digits, "0" + national, national], optedOutElsewhere: onFile,
                                                          actor: "cli:\(ProcessInfo.processInfo.environment["USER"] ?? "unknown")")
            let removedFromFile = try Self.removeFromOptOutFile(number, file: configuration.optOutFile, normalizer: normalizer)
            var campaigns: [CampaignRecord] = []
            let spool = configuration.cluster.spoolDirectory(paths: configuration.paths, dialect: database.dialect)
            for id in report.campaigns { if let campaign = try await database.campaign(id) { campaigns.append(campaign.locatingSpool(in: spool)) } }
            let files = try PersonalDataFiles(outbox: configuration.paths.outbox, normalizer: normalizer)
                .scrub(number: number, spellings: [digits, "0" + national, national], texts: texts, pseudonym: report.pseudonym, campaigns: campaigns)
            print("forgotten: \(number) is now \(report.pseudonym)")
            print("  erased: \(report.listEntries) list rows, \(report.messages) message texts, \(report.replies) replies, \(report.answers) answers, \(report.conversations) conversations, \(report.refusedRows) refused rows, \(report.events) webhook events")
            if report.cancelledMessages > 0 { print("  cancelled: \(report.cancelledMessages) messages not sent yet") }
            if report.wasOptedOut || removedFromFile { print("  still suppressed: it had opted out (kept as a salted hash only)") }
            if !report.campaigns.isEmpty { print("  reports of \(report.campaigns.count) campaign(s) are rewritten by the daemon") }
            if !files.scrubbed.isEmpty { print("  files scrubbed: \(files.scrubbed.count) (logs, dry-run records, lists as received)") }
            for file in files.notScrubbed { print("  not scrubbed (a spreadsheet; remove it by hand if the campaign is finished): \(file)") }
        }

        /// Drops the number's lines from the opt-out file (any spelling), under the file's lock.
        static func removeFromOptOutFile(_ number: PhoneNumber, file: String, normalizer: PhoneNormalizer) throws -> Bool {
            guard FileManager.default.fileExists(atPath: file) else { return false }
            return try FileLock.withExclusiveLock(beside: file) {
                let text = try String(contentsOfFile: file, encoding: .utf8)
                var lines = text.components(separatedBy: "\n")
                let before = lines.count
                lines.removeAll { normalizer.normalize($0.trimmingCharacters(in: .whitespaces)).phoneNumber == number }
                guard lines.count != before else { return false }
                try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
                return true
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a contact list (TXT, CSV or XLSX): write accepted.csv and rejected.csv, print a summary.",
            discussion: """
                Numbers are normalised (0812…, +62 812-… and 62812… are one contact), validated, deduplicated \
                (the first occurrence is kept) and checked against the opt-out list.

                rejected.csv gives each refused row as line,input,reason. Reasons: empty, not-a-number, \
                scientific-notation, wrong-country, too-short, too-long, not-mobile (strict mode only), \
                duplicate, opted-out.

                Exit status: 0 when the file was read (even if every row was refused), 2 when it could not be read.
                """
        )

        @Argument(help: "The contact list: numbers.txt, contacts.csv or contacts.xlsx.")
        var file: String

        @Option(help: "Folder for accepted.csv and rejected.csv (created if missing).")
        var out: String = "."

        @Option(help: "Country calling code every number must start with (default 62).")
        var country: String?

        @Option(name: .customLong("min-digits"), help: "Fewest digits, country code included (default 10).")
        var minDigits: Int?

        @Option(name: .customLong("max-digits"), help: "Most digits, country code included (default 15).")
        var maxDigits: Int?

        @Option(help: "Worksheet to read from an .xlsx (default: the first).")
        var sheet: String?

        @Option(help: "Opt-out list to honour (default: state/optout.txt, or optout.file of --config, when it exists).")
        var optout: String?

        @Option(name: [.customShort("c"), .long], help: "Take the contact rules from this pipeline.yaml (flags still win).")
        var config: String?

        func run() async throws {
            var settings = ContactsConfiguration()
            var optOutPath = SiaranConfiguration().optOutFile
            if let config {
                do {
                    let loaded = try ConfigurationLoader().load(file: config)
                    settings = loaded.contacts
                    optOutPath = loaded.optOutFile
                } catch let error as ConfigurationError {
                    printError(error.description)
                    throw ExitCode(1)
                }
            }
            if let country { settings.countryCode = country.hasPrefix("+") ? String(country.dropFirst()) : country }
            if let minDigits { settings.minDigits = minDigits }
            if let maxDigits { settings.maxDigits = maxDigits }
            if let problem = settings.problems.first { throw ValidationError(problem) }

            let optOut: OptOutList
            do {
                let path = optout ?? optOutPath
                if optout != nil, !FileManager.default.fileExists(atPath: path) {
                    printError("\(path): the opt-out list does not exist")
                    throw ExitCode(2)
                }
                optOut = try OptOutList.load(file: path, configuration: settings)
            } catch let error as ContactsError {
                printError(error.description)
                throw ExitCode(2)
            }

            let result: ContactListResult
            do {
                result = try ContactListReader(file: file, configuration: settings, sheet: sheet).check(optOut: optOut)
            } catch let error as ContactsError {
                printError(error.description)
                throw ExitCode(2)
            }

            let acceptedPath = (out as NSString).appendingPathComponent("accepted.csv")
            let rejectedPath = (out as NSString).appendingPathComponent("rejected.csv")
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                try result.writeAccepted(to: acceptedPath)
                try result.writeRejected(to: rejectedPath)
            } catch {
                printError("\(out): cannot write the results (\(error.localizedDescription))")
                throw ExitCode(1)
            }
            print(result.counts.summary)
        }
    }
}
