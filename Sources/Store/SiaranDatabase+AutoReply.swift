public import Foundation

/// The auto-reply bot's answers: recorded like staff answers (`answers`, author `autoreply`,
/// the rule's name in `rule`), so the answer sender sends them within the session's caps and
/// receipts tick them. The safety limits are checked in the same transaction that records one.
extension SiaranDatabase {
    /// The author of every automatic answer.
    public static let autoReplyAuthor = "autoreply"

    /// Queues the bot's answer unless a limit holds it back; returns why not, or nil when queued.
    /// The one confirmation of an opt-out (`confirmsOptOut`) is subject only to the opt-out's own rule.
    public func beginAutomaticAnswer(_ answer: NewAnswer, limits: AutomaticAnswerLimits, at date: Date) async throws -> AutomaticAnswerRefusal? {
        try await write { db in
            if !answer.confirmsOptOut, let held = try Self.automaticAnswerHold(phone: answer.phone, rule: answer.rule ?? "", limits: limits, at: date, in: db) {
                return held
            }
            return try Self.queueAnswer(answer, at: date, in: db).map(AutomaticAnswerRefusal.init)
        }
    }

    /// What `beginAutomaticAnswer` would say now, without recording anything (`siaran autoreply test`).
    public func automaticAnswerHold(phone: String, rule: String, limits: AutomaticAnswerLimits, confirmsOptOut: Bool = false,
                                    at date: Date = Date()) async throws -> AutomaticAnswerRefusal? {
        try await read { db in
            let optedOut = try db.scalarInt("SELECT COUNT(*) FROM optOuts WHERE phone = ?", phone) > 0
            if optedOut && !confirmsOptOut { return .optedOut }
            if confirmsOptOut { return nil }
            return try Self.automaticAnswerHold(phone: phone, rule: rule, limits: limits, at: date, in: db)
        }
    }

    static func automaticAnswerHold(phone: String, rule: String, limits: AutomaticAnswerLimits, at date: Date,
                                    in db: any SQLConnection) throws -> AutomaticAnswerRefusal? {
        let since = date.addingTimeInterval(-max(limits.cooldown, 86_400))
        let recent = try db.query("""
            SELECT rule, createdAt, sentAt FROM answers WHERE phone = ? AND author = ? AND rule IS NOT NULL AND createdAt >= ? AND state <> 'failed'
            """, phone, autoReplyAuthor, since)
        // Loop guard: a text that came back within moments of our last automatic answer is another
        // bot (or an echo); answering it would start a ping-pong.
        let lastOut = try recent.map { row in max(try row.date("createdAt"), row.optionalDate("sentAt") ?? .distantPast) }.max()
        if let lastOut, date.timeIntervalSince(lastOut) < limits.loopGuard { return .loopGuard }
        let sameRule = try recent.filter { try $0.string("rule") == rule && $0.date("createdAt") >= date.addingTimeInterval(-limits.cooldown) }
        if !sameRule.isEmpty { return .cooldown }
        let today = try recent.filter { try $0.date("createdAt") >= date.addingTimeInterval(-86_400) }
        if today.count >= limits.dailyCap { return .dailyCap }
        return nil
    }

    /// The contact's columns from the newest campaign list that holds the number, and that
    /// campaign's name, for the answer's `{name}` and other variables; empty for a stranger.
    public func answerVariables(phone: String) async throws -> (variables: [String: String], campaignName: String?) {
        try await read { db in
            guard let row = try db.queryOne("""
                SELECT c.variables, k.name FROM contacts c LEFT JOIN campaigns k ON k.id = c.campaignId
                WHERE c.phone = ? ORDER BY c.id DESC LIMIT 1
                """, phone) else { return ([:], nil) }
            let json = row.optionalString("variables")
            let variables = json.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? [:]
            return (variables, row.optionalString("name"))
        }
    }

    /// Phone numbers of our own linked sessions: the bot never answers them.
    public func sessionPhones() async throws -> Set<String> {
        try await read { db in
            Set(try db.query("SELECT phone FROM sessions WHERE phone IS NOT NULL").compactMap { $0.optionalString("phone") })
        }
    }
}

/// The bot's safety limits, from `autoreply.yaml`.
public struct AutomaticAnswerLimits: Sendable, Equatable {
    /// One automatic answer per contact per rule within this time.
    public var cooldown: TimeInterval
    /// Automatic answers per contact in 24 hours.
    public var dailyCap: Int
    /// A text within this time of our last automatic answer gets none.
    public var loopGuard: TimeInterval

    public init(cooldown: TimeInterval = 86_400, dailyCap: Int = 3, loopGuard: TimeInterval = 10) {
        self.cooldown = cooldown
        self.dailyCap = dailyCap
        self.loopGuard = loopGuard
    }
}

/// Why the bot did not answer.
public enum AutomaticAnswerRefusal: String, Sendable, Equatable, Error {
    case optedOut = "opted-out"
    case optOutAlreadyConfirmed = "opt-out-already-confirmed"
    case unknownNumber = "unknown-number"
    /// The rule already answered this contact within its cooldown.
    case cooldown
    /// The contact had its automatic answers for the day.
    case dailyCap = "contact-daily-cap"
    /// The text came back at once after our automatic answer: another bot.
    case loopGuard = "loop-guard"

    init(_ refusal: AnswerRefusal) {
        switch refusal {
        case .optedOut: self = .optedOut
        case .optOutAlreadyConfirmed: self = .optOutAlreadyConfirmed
        case .unknownNumber: self = .unknownNumber
        }
    }

    /// Plain words for logs and `siaran autoreply test`.
    public var explanation: String {
        switch self {
        case .optedOut: "the number opted out"
        case .optOutAlreadyConfirmed: "the number opted out and its confirmation was already sent"
        case .unknownNumber: "the number never wrote to us nor got a campaign message"
        case .cooldown: "this rule already answered the number within its cooldown"
        case .dailyCap: "the number had its automatic answers for today"
        case .loopGuard: "the text came back at once after our automatic answer (another bot?)"
        }
    }
}
