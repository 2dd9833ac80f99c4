import ArgumentParser
import Contacts
import Foundation
import Pipeline
import Siaran
import Store

/// `siaran inbox`: conversations with the business from the command line — who wrote, what, and
/// answering them through the running daemon.
struct InboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inbox",
        abstract: "Conversations: replies to campaigns and other texts, and answering them.",
        subcommands: [List.self, Show.self, Reply.self]
    )

    /// A number as staff type it (`0812…`, `+62 812-…`) in the stored form.
    static func phone(_ input: String, configuration: SiaranConfiguration) throws -> String {
        guard let number = PhoneNormalizer(configuration: configuration.contacts).normalize(input).phoneNumber else {
            printError("\(input) is not a phone number")
            throw ExitCode(1)
        }
        return number.description
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Conversations, newest first, with unread counts.")
        @OptionGroup var options: ConfigurationOptions
        @Flag(help: "Only conversations whose last text is not answered yet.") var unanswered = false
        @Option(help: "Only numbers that replied to this campaign.") var campaign: String?
        @Option(help: "How many to show.") var limit = 50

        func run() async throws {
            let configuration = try options.load()
            let database = try await openDatabase(configuration)
            let list = try await database.conversations(ConversationFilter(unansweredOnly: unanswered, campaign: campaign), limit: limit)
            if list.isEmpty { print(unanswered ? "no unanswered conversations" : "no conversations yet") }
            for item in list {
                let flags = [item.unread > 0 ? "\(item.unread) unread" : nil, item.answered ? "answered" : nil, item.optedOut ? "opted out" : nil,
                             item.assignedTo.map { "→ \($0)" }].compactMap { $0 }.joined(separator: ", ")
                let who = item.name.isEmpty ? item.phone : "\(item.phone) \(item.name)"
                let text = item.lastText.replacingOccurrences(of: "\n", with: " ")
                print("\(configuration.readable(item.lastAt))  \(who)  [\(item.campaign ?? "no campaign")]  \(flags.isEmpty ? "" : "(\(flags)) ")\(text.count > 70 ? String(text.prefix(69)) + "…" : text)")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One number's conversation: our messages, their texts, our answers and their ticks.")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "The phone number.") var phone: String

        func run() async throws {
            let configuration = try options.load()
            let database = try await openDatabase(configuration)
            let number = try InboxCommand.phone(phone, configuration: configuration)
            guard let conversation = try await database.conversation(phone: number) else {
                printError("\(number) has not written to us; see `siaran inbox list`")
                throw ExitCode(1)
            }
            let summary = conversation.summary
            print("\(summary.phone)\(summary.name.isEmpty ? "" : " (\(summary.name))")\(summary.optedOut ? " — opted out" : "")")
            for entry in conversation.entries {
                let time = configuration.readable(entry.at)
                let image = entry.hasImage ? "[image] " : ""
                switch entry.kind {
                case .campaign:
                    print("\(time)  → campaign \(entry.campaign ?? "")\(entry.variant.map { $0.isEmpty ? "" : " variant \($0)" } ?? "") (\(entry.state ?? "")): \(image)\(entry.text)")
                case .incoming:
                    print("\(time)  ← \(entry.isOptOut ? "[opt-out] " : "")\(entry.text)")
                case .answer:
                    let by = entry.rule.map { "bot rule \($0)" } ?? entry.author ?? ""
                    print("\(time)  → answer by \(by) via \(entry.session ?? "") (\(entry.state ?? "")\(entry.reason.map { ": \($0)" } ?? "")): \(image)\(entry.text)")
                }
            }
            try await database.markConversationSeen(phone: number)
        }
    }

    struct Reply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Answer a number through the running daemon and wait until it is sent.",
            discussion: """
                The answer goes out at once (not behind campaign messages) through the session that last
                wrote to the number, or --session, within that session's hourly and daily caps. An
                opted-out number is refused; --confirm-opt-out sends the one confirmation it may get.
                """)
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "The phone number.") var phone: String
        @Argument(help: "The answer, as the contact will read it.") var text: String
        @Option(help: "The linked number (session) to answer from.") var session: String?
        @Option(help: "A picture to send with the answer (the text becomes its caption).") var image: String?
        @Flag(help: "This answer confirms the number's opt-out (the only answer an opted-out number may get, once).") var confirmOptOut = false
        @Option(help: "Seconds to wait for the daemon to send it.") var wait: Double = 60

        func run() async throws {
            let configuration = try options.load()
            let database = try await openDatabase(configuration)
            let number = try InboxCommand.phone(phone, configuration: configuration)
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                printError("the answer is empty")
                throw ExitCode(1)
            }
            var picture: String?
            if let image {
                let path = URL(fileURLWithPath: image).standardizedFileURL.path
                guard FileManager.default.isReadableFile(atPath: path) else {
                    printError("\(image): no such file, or it cannot be read")
                    throw ExitCode(1)
                }
                picture = path
            }
            let chosen: String?
            if let session { chosen = session } else { chosen = try await database.conversationSession(phone: number) }
            guard let sender = chosen ?? configuration.whatsapp.sessions.first else {
                printError("refused: \(number) is unknown (it never wrote to us nor got a campaign message)")
                throw ExitCode(1)
            }
            let answer = NewAnswer(id: MessageID.generate(), phone: number, session: sender, text: text, mediaPath: picture,
                                   author: "cli:\(ProcessInfo.processInfo.environment["USER"] ?? "operator")", confirmsOptOut: confirmOptOut)
            if let refusal = try await database.beginAnswer(answer) {
                printError("refused: \(Self.words(refusal.rawValue, phone: number))")
                throw ExitCode(1)
            }
            let deadline = Date().addingTimeInterval(wait)
            while Date() < deadline {
                if let status = try await database.answerStatus(answer.id) {
                    switch status.state {
                    case "sent", "delivered", "read":
                        print("sent to \(number) via \(sender) (id \(answer.id))")
                        return
                    case "failed":
                        printError("refused: \(Self.words(status.reason ?? "failed", phone: number))")
                        throw ExitCode(1)
                    default:
                        break
                    }
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            printError("the daemon did not send it within \(Int(wait)) s; is `siaran run` running and \(sender) linked? The answer stays queued and goes out when it can.")
            throw ExitCode(1)
        }

        static func words(_ reason: String, phone: String) -> String {
            switch reason {
            case AnswerRefusal.optedOut.rawValue: "\(phone) opted out; only a confirmation of the opt-out may be sent (--confirm-opt-out)"
            case AnswerRefusal.optOutAlreadyConfirmed.rawValue: "\(phone) opted out and its confirmation was already sent"
            case AnswerRefusal.unknownNumber.rawValue: "\(phone) is unknown (it never wrote to us nor got a campaign message)"
            case "hourly-cap": "the session reached its hourly cap; try again later or answer from another session (--session)"
            case "daily-cap": "the session reached its daily cap; answer from another session (--session)"
            default: reason
            }
        }
    }
}
