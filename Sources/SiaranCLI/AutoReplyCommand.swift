import ArgumentParser
import AutoReply
import Foundation
import Pipeline
import Reports
import Siaran
import Store

/// `siaran autoreply test "TEXT"`: which rule of autoreply.yaml would answer a text, and what.
struct AutoReplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autoreply",
        abstract: "The auto-reply bot (autoreply.yaml beside pipeline.yaml).",
        subcommands: [Test.self]
    )

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show which rule would answer a text and what it would send (nothing is sent).",
            discussion: """
                With --phone the answer is written with that contact's columns from their newest campaign
                list, and the safety limits are checked as the daemon would now (opted out, cooldown,
                daily cap, loop guard). --at tries another time, for business hours: "2026-12-03 21:30".
                """)
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "The incoming text.") var text: String
        @Option(help: "The contact's number.") var phone: String?
        @Option(help: "The time the text arrives, in the configured zone (YYYY-MM-DD HH:MM); default now.") var at: String?

        func run() async throws {
            let configuration = try options.load()
            let file = configuration.autoReplyFile
            let rules: AutoReplyConfiguration
            do {
                guard let loaded = try AutoReplyConfiguration.load(file: file, defaultTimeZone: configuration.pipeline.sending.timeZone) else {
                    printError("\(file) does not exist: there is no auto-reply bot. See README (Auto-reply bot) for an example.")
                    throw ExitCode(1)
                }
                rules = loaded
            } catch let error as AutoReplyConfigurationError {
                printError(error.description)
                throw ExitCode(1)
            }
            var date = Date()
            if let at {
                let formatter = DateFormatter()
                formatter.locale = Locale(identifier: "en_US_POSIX")
                formatter.timeZone = rules.timeZone
                formatter.dateFormat = "yyyy-MM-dd HH:mm"
                guard let parsed = formatter.date(from: at) else {
                    printError("--at \(at): write the time as YYYY-MM-DD HH:MM, for example 2026-12-03 21:30")
                    throw ExitCode(1)
                }
                date = parsed
            }
            let number = try phone.map { try InboxCommand.phone($0, configuration: configuration) }
            let optOut = TransportEventRecorder.isOptOut(text, words: Set(configuration.optOut.keywords.map { $0.uppercased() }))
            if !rules.enabled { print("note: the bot is switched off (enabled: false); this is what it would do when on") }
            var active = rules
            active.enabled = true
            if let hours = rules.businessHours {
                print("business hours: \(hours.isOpen(at: date, in: rules.timeZone) ? "open" : "closed") at \(LocalTimeFormatter.readable(date, timeZone: rules.timeZone))")
            }
            guard let match = active.match(text, isOptOut: optOut, at: date) else {
                print("no rule answers this text (no keyword or pattern matches\(rules.defaultAnswer == nil ? " and there is no default answer" : ""))")
                return
            }
            print("rule: \(match.rule) — \(match.reason)")
            var variables: [String: String] = [:]
            var campaignName: String?
            var database: SiaranDatabase?
            if let number {
                let opened = try await openDatabase(configuration)
                database = opened
                (variables, campaignName) = try await opened.answerVariables(phone: number)
            }
            do {
                let answer = try match.answer.render(phone: number ?? "", variables: variables, campaignName: campaignName, rule: match.rule, at: date,
                                                     timeZone: rules.timeZone, message: configuration.message)
                print("answer:")
                for line in answer.split(separator: "\n", omittingEmptySubsequences: false) { print("  \(line)") }
            } catch {
                printError("the answer cannot be written: \(error.message)")
                throw ExitCode(1)
            }
            if let number, let database {
                let limits = AutomaticAnswerLimits(cooldown: match.cooldown, dailyCap: rules.dailyCap, loopGuard: rules.loopGuard)
                if let hold = try await database.automaticAnswerHold(phone: number, rule: match.rule, limits: limits, confirmsOptOut: match.reason == .optOut,
                                                                     at: date) {
                    print("to \(number) now: held back — \(hold.explanation)")
                } else {
                    print("to \(number) now: it would be sent")
                }
            }
        }
    }
}
