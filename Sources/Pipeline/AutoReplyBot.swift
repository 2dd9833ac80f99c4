public import AutoReply
public import Foundation
public import Logging
public import Store
import Synchronization
public import Templates

/// Answers incoming texts by the rules of `autoreply.yaml`, safely: the answer is recorded like a
/// staff answer (so the answer sender sends it within the session's caps and its ticks follow),
/// and the database refuses it when a limit holds (cooldown per rule, cap per contact per day,
/// loop guard, opted out). The file is read again when it changes (the dashboard's editor saves
/// it); a file that does not pass the check is logged and the rules before it stay in force.
public final class AutoReplyBot: Sendable {
    let file: String
    let defaultTimeZone: String
    let database: SiaranDatabase
    let clock: any PipelineClock
    let logger: Logger
    let message: MessageConfiguration
    private let loaded = Mutex<(stamp: FileStamp?, configuration: AutoReplyConfiguration?)>((nil, nil))

    /// A text older than this when it reaches us (the daemon was stopped, the phone was offline)
    /// gets no automatic answer: "we are closed" in the morning for last night's text helps nobody.
    static let maximumAge: TimeInterval = 3600

    public init(file: String, defaultTimeZone: String, database: SiaranDatabase, clock: any PipelineClock = SystemPipelineClock(), logger: Logger,
                message: MessageConfiguration = .init()) {
        self.file = file
        self.defaultTimeZone = defaultTimeZone
        self.database = database
        self.clock = clock
        self.logger = logger
        self.message = message
    }

    /// The rules in force: read again when the file's size or time changed.
    public func configuration() -> AutoReplyConfiguration? {
        let stamp = FileStamp(path: file)
        if let cached = loaded.withLock({ $0.stamp == stamp ? $0 : nil }) { return cached.configuration }
        do {
            let configuration = try AutoReplyConfiguration.load(file: file, defaultTimeZone: defaultTimeZone)
            loaded.withLock { $0 = (stamp, configuration) }
            if let configuration {
                logger.info("auto-reply rules loaded", metadata: ["autoreply.file": "\(file)", "autoreply.rules": "\(configuration.rules.count)",
                                                                 "autoreply.enabled": "\(configuration.enabled)"])
            }
            return configuration
        } catch {
            // Keep the rules in force; say once per version of the file what is wrong with it.
            let previous = loaded.withLock { state in
                defer { state.stamp = stamp }
                return state.configuration
            }
            logger.error("auto-reply rules not changed: \(file) has problems\n\(error.description)")
            return previous
        }
    }

    /// What happened to one incoming text.
    public enum Outcome: Sendable, Equatable {
        /// No rule answers it (or there is no bot).
        case noRule
        /// A rule answers it but a limit holds the answer back.
        case held(rule: String, AutomaticAnswerRefusal)
        /// Not a contact the bot may answer (our own number, a group, too old).
        case ignored(String)
        /// Queued for the answer sender.
        case queued(rule: String, id: String, text: String)
    }

    /// Decides and records the bot's answer to a text just recorded; the answer sender sends it.
    @discardableResult
    public func respond(phone: String, session: String, text: String, isOptOut: Bool, receivedAt: Date) async throws -> Outcome {
        guard let configuration = configuration(), configuration.enabled else { return .noRule }
        let now = clock.now()
        // Groups, broadcast lists and other non-person addresses are never answered (the
        // WhatsApp client drops them already; this keeps the rule whatever the transport).
        guard !phone.isEmpty, phone.allSatisfy({ $0.isASCII && $0.isNumber }) else { return .ignored("not a person's number") }
        if try await database.sessionPhones().contains(phone) { return .ignored("one of our own linked numbers") }
        if now.timeIntervalSince(receivedAt) > Self.maximumAge { return .ignored("the text is more than an hour old") }
        guard let match = configuration.match(text, isOptOut: isOptOut, at: now) else { return .noRule }
        let contact = try await database.answerVariables(phone: phone)
        let answerText: String
        do {
            answerText = try match.answer.render(phone: phone, variables: contact.variables, campaignName: contact.campaignName, rule: match.rule,
                                                 at: now, timeZone: configuration.timeZone, message: message)
        } catch {
            logger.error("auto-reply rule \(match.rule) could not be written for \(phone): \(error.message)")
            return .noRule
        }
        let answer = NewAnswer(id: MessageID.generate(), phone: phone, session: session, text: answerText, author: SiaranDatabase.autoReplyAuthor,
                               rule: match.rule, confirmsOptOut: match.reason == .optOut)
        let limits = AutomaticAnswerLimits(cooldown: match.cooldown, dailyCap: configuration.dailyCap, loopGuard: configuration.loopGuard)
        if let refusal = try await database.beginAutomaticAnswer(answer, limits: limits, at: now) {
            logger.info("auto-reply held back", metadata: ["phone": "\(phone)", "autoreply.rule": "\(match.rule)", "autoreply.reason": "\(refusal.rawValue)"])
            return .held(rule: match.rule, refusal)
        }
        logger.info("auto-reply queued", metadata: ["phone": "\(phone)", "autoreply.rule": "\(match.rule)", "wa.session": "\(session)"])
        return .queued(rule: match.rule, id: answer.id, text: answerText)
    }
}

/// A file's size and modification time, to notice an edit without reading the file.
struct FileStamp: Equatable, Sendable {
    var size: UInt64
    var modified: Date

    init?(path: String) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return nil }
        size = (attributes[.size] as? NSNumber)?.uint64Value ?? 0
        modified = attributes[.modificationDate] as? Date ?? .distantPast
    }
}
