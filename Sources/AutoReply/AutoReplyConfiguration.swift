public import Foundation
public import Templates

/// The auto-reply bot's rules, read from `autoreply.yaml` beside `pipeline.yaml`.
///
/// What answers an incoming text, first match wins: an opt-out word gets the one confirmation of
/// the opt-out; then the keyword and regular-expression rules in file order; then, outside
/// business hours, the away message; otherwise the default answer. The safety limits (cooldown
/// per rule, cap per contact per day, loop guard) are enforced where answers are recorded.
public struct AutoReplyConfiguration: Sendable {
    /// `enabled: false` keeps the file but answers nothing (not even the opt-out confirmation).
    public var enabled: Bool = true
    /// One automatic answer per contact per rule within this time.
    public var cooldown: TimeInterval = 86_400
    /// Automatic answers one contact may get in 24 hours, all rules together.
    public var dailyCap: Int = 3
    /// A text that comes back within this time of our automatic answer is taken for another bot:
    /// that contact gets no more automatic answers for a day.
    public var loopGuard: TimeInterval = 10
    /// Business hours and `{date}` are read in this zone.
    public var timeZone: TimeZone
    public var businessHours: BusinessHours?
    public var away: AnswerTemplate?
    public var defaultAnswer: AnswerTemplate?
    /// Sent once to a number that just opted out; nil sends nothing.
    public var optOutConfirmation: AnswerTemplate?
    public var rules: [AutoReplyRule] = []

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
    }

    /// The file name, beside `pipeline.yaml`.
    public static let fileName = "autoreply.yaml"

    /// Names the bot gives its built-in answers; user rules may not take them.
    public static let optOutRuleName = "opt-out"
    public static let awayRuleName = "away"
    public static let defaultRuleName = "default"
    static let reservedNames: Set<String> = [optOutRuleName, awayRuleName, defaultRuleName]

    /// Which answer a text gets, before the safety limits: nil when nothing answers it.
    public func match(_ text: String, isOptOut: Bool, at date: Date) -> AutoReplyMatch? {
        guard enabled else { return nil }
        if isOptOut {
            return optOutConfirmation.map { AutoReplyMatch(rule: Self.optOutRuleName, reason: .optOut, answer: $0, cooldown: cooldown) }
        }
        let words = KeywordText.words(text)
        for rule in rules {
            switch rule.trigger {
            case .keywords(let keywords):
                if let hit = keywords.first(where: { KeywordText.contains(words, phrase: $0.words) }) {
                    return AutoReplyMatch(rule: rule.name, reason: .keyword(hit.text), answer: rule.answer, cooldown: rule.cooldown ?? cooldown)
                }
            case .regex(let pattern):
                if pattern.matches(text) {
                    return AutoReplyMatch(rule: rule.name, reason: .regex(pattern.source), answer: rule.answer, cooldown: rule.cooldown ?? cooldown)
                }
            }
        }
        if let businessHours, !businessHours.isOpen(at: date, in: timeZone), let away {
            return AutoReplyMatch(rule: Self.awayRuleName, reason: .away, answer: away, cooldown: cooldown)
        }
        return defaultAnswer.map { AutoReplyMatch(rule: Self.defaultRuleName, reason: .fallback, answer: $0, cooldown: cooldown) }
    }
}

/// One rule of `rules:`.
public struct AutoReplyRule: Sendable {
    public enum Trigger: Sendable {
        /// Any of these keywords (a word or a phrase of whole words).
        case keywords([Keyword])
        case regex(AnswerPattern)
    }

    public var name: String
    public var trigger: Trigger
    public var answer: AnswerTemplate
    /// Overrides the file's `cooldown` for this rule.
    public var cooldown: TimeInterval?
}

/// A keyword as written and as the words it is matched by.
public struct Keyword: Sendable, Equatable {
    public var text: String
    public var words: [String]

    public init(_ text: String) {
        self.text = text
        self.words = KeywordText.words(text)
    }
}

/// A compiled regular expression (case-insensitive), kept with its source for messages.
public final class AnswerPattern: @unchecked Sendable {
    // NSRegularExpression is immutable once made and safe to share between threads.
    private let expression: NSRegularExpression
    public let source: String

    public init(_ source: String) throws {
        self.source = source
        self.expression = try NSRegularExpression(pattern: source, options: [.caseInsensitive])
    }

    public func matches(_ text: String) -> Bool {
        expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

/// An answer: a message template (variables from the contact's campaign row, spintax).
public struct AnswerTemplate: Sendable {
    public var source: String
    public var template: MessageTemplate

    public init(source: String, file: String? = nil) throws(TemplateError) {
        self.source = source
        self.template = try MessageTemplate(variants: [source], file: file)
    }

    /// The text one contact gets. Spintax choices are seeded by the contact, the rule and the day,
    /// so a contact sees the same wording within a day and another one on another day.
    public func render(phone: String, variables: [String: String], campaignName: String?, rule: String, at date: Date, timeZone: TimeZone,
                       message: MessageConfiguration) throws(TemplateError) -> String {
        var configuration = message
        configuration.optOutFooterEnabled = false  // an answer in a conversation is not a promotion
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let day = calendar.dateComponents([.year, .month, .day], from: date)
        let seed = "autoreply:\(rule):\(day.year ?? 0)-\(day.month ?? 0)-\(day.day ?? 0)"
        let context = RenderContext(phone: phone, variables: variables, campaignId: seed, campaignName: campaignName ?? "", date: date, timeZone: timeZone)
        return try MessageRenderer(configuration: configuration, columns: variables.keys).render(template, for: context).text
    }
}

/// The answer a text would get and why.
public struct AutoReplyMatch: Sendable {
    public enum Reason: Sendable, Equatable, CustomStringConvertible {
        case optOut
        case keyword(String)
        case regex(String)
        case away
        case fallback

        public var description: String {
            switch self {
            case .optOut: "the text is an opt-out word: the one confirmation of the opt-out"
            case .keyword(let word): "keyword '\(word)'"
            case .regex(let pattern): "regular expression \(pattern)"
            case .away: "outside business hours: the away message"
            case .fallback: "no rule matched: the default answer"
            }
        }
    }

    public var rule: String
    public var reason: Reason
    public var answer: AnswerTemplate
    public var cooldown: TimeInterval
}
