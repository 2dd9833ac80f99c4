public import Foundation

/// WhatsApp restricted a number from starting new chats until `until` (the "reach-out timelock",
/// protocol brief §12). Chats that already exist go on: people who wrote to the number are
/// still answered.
public struct ReachOutRestriction: Codable, Sendable, Equatable {
    public enum Source: String, Codable, Sendable {
        /// The server's reach-out timelock notification (mex `NotificationUserReachoutTimelockUpdate`).
        case timelock
        /// The server's new-chat message cap notification (mex `MessageCappingInfoNotification`) said `CAPPED`.
        case newChatCap = "new-chat-cap"
        /// Ack 463 for `ReachOutLimits.refusalsInARow` different new contacts in a row, the server saying nothing more.
        case repeatedRefusals = "repeated-refusals"
    }

    public var until: Date
    public var since: Date
    public var source: Source
    /// The server's enforcement type when it named one (`DEFAULT`, `BIZ_QUALITY`, `WEB_COMPANION_ONLY`, …).
    public var enforcement: String?

    public init(until: Date, since: Date, source: Source, enforcement: String? = nil) {
        self.until = until
        self.since = since
        self.source = source
        self.enforcement = enforcement
    }

    /// Why we think so, in plain words.
    public var cause: (english: String, indonesian: String) {
        switch source {
        case .timelock: ("WhatsApp said so", "menurut WhatsApp")
        case .newChatCap: ("WhatsApp's cap on new chats is reached", "batas chat baru dari WhatsApp tercapai")
        case .repeatedRefusals:
            ("WhatsApp refused \(ReachOutLimits.refusalsInARow) new contacts in a row (error 463)",
             "WhatsApp menolak \(ReachOutLimits.refusalsInARow) kontak baru berturut-turut (galat 463)")
        }
    }

    /// The file beside the session's keys that keeps it across restarts (`siaran sessions list` reads it).
    public static let fileName = "reach-out.json"

    /// The restriction stored in a session folder, if it still holds at `now`.
    public static func stored(inSessionFolder folder: URL, now: Date = Date()) -> ReachOutRestriction? {
        (try? Data(contentsOf: folder.appendingPathComponent(fileName))).flatMap { stored(in: $0, now: now) }
    }

    /// The restriction in a session storage's encoded reach-out limits, if it still holds at `now`.
    public static func stored(in data: Data, now: Date = Date()) -> ReachOutRestriction? {
        (try? JSONDecoder().decode(ReachOutLimits.self, from: data))?.activeRestriction(at: now)
    }
}

/// The reach-out limits of one number, decided without I/O: the session feeds it what the server
/// said (acks, notifications) and carries out what changed.
///
/// Ack 463 has two causes the protocol does not tell apart: a message to a new contact without
/// that contact's privacy token, or an account restricted from new chats. One 463 fails only that
/// message. The account counts as restricted when the server says so (timelock or new-chat cap
/// notification, with its end time) or when 463 comes back for `refusalsInARow` different new
/// contacts in a row with no message to a new contact accepted between them; then, lacking the
/// server's end time, for `assumedDuration`.
struct ReachOutLimits: Codable, Sendable, Equatable {
    /// Three: one or two 463s happen to healthy numbers (a contact whose token we lack); three
    /// different people in a row refusing is the account, and a fourth try would only make it worse.
    static let refusalsInARow = 3
    /// How long an inferred restriction lasts when the server names no end (then the next
    /// notification or the next accepted new contact corrects it).
    static let assumedDuration: TimeInterval = 24 * 3600
    /// WhatsApp Web's default when the timelock notification names no end (Baileys does the same).
    static let unnamedTimelockEnd: TimeInterval = 60

    private(set) var restriction: ReachOutRestriction?
    /// Different new contacts (LID users) refused since the last message to a new contact went through.
    private(set) var refusedInARow: [String] = []

    enum Change: Equatable {
        case none
        case restricted(ReachOutRestriction)
        case lifted
    }

    func activeRestriction(at now: Date) -> ReachOutRestriction? {
        guard let restriction, restriction.until > now else { return nil }
        return restriction
    }

    /// Ack 463 for a message to `contact`.
    mutating func refused(contact: String, now: Date) -> Change {
        if activeRestriction(at: now) != nil { return .none }
        if !refusedInARow.contains(contact) { refusedInARow.append(contact) }
        guard refusedInARow.count >= Self.refusalsInARow else { return .none }
        refusedInARow = []
        let inferred = ReachOutRestriction(until: now.addingTimeInterval(Self.assumedDuration), since: now, source: .repeatedRefusals)
        restriction = inferred
        return .restricted(inferred)
    }

    /// The server accepted a message to a contact whose privacy token we did not hold: new chats
    /// work, so earlier 463s were about those contacts, and a restriction we only inferred is over.
    mutating func acceptedNewContact(now: Date) -> Change {
        refusedInARow = []
        guard let restriction, restriction.source == .repeatedRefusals else { return .none }
        self.restriction = nil
        return activeRestrictionWasLifted(restriction, now: now)
    }

    /// The reach-out timelock notification.
    mutating func timelock(_ notice: ReachOutNotice.Timelock, now: Date) -> Change {
        refusedInARow = []
        guard notice.active else { return lift(now: now) }
        let until = notice.ends ?? now.addingTimeInterval(Self.unnamedTimelockEnd)
        return restrict(ReachOutRestriction(until: until, since: activeRestriction(at: now)?.since ?? now, source: .timelock,
                                            enforcement: notice.enforcement), now: now)
    }

    /// The new-chat message cap notification: `CAPPED` restricts until the cycle ends.
    mutating func newChatCap(_ notice: ReachOutNotice.NewChatCap, now: Date) -> Change {
        if notice.status == "CAPPED" {
            let until = notice.cycleEnd.flatMap { $0 > now ? $0 : nil } ?? now.addingTimeInterval(Self.assumedDuration)
            return restrict(ReachOutRestriction(until: until, since: activeRestriction(at: now)?.since ?? now, source: .newChatCap), now: now)
        }
        guard restriction?.source == .newChatCap else { return .none }
        return lift(now: now)
    }

    /// A restriction whose time is up ends.
    mutating func expire(now: Date) -> Change {
        guard let restriction, restriction.until <= now else { return .none }
        self.restriction = nil
        return .lifted
    }

    private mutating func restrict(_ new: ReachOutRestriction, now: Date) -> Change {
        if let current = activeRestriction(at: now), current.until == new.until, current.source == new.source,
           current.enforcement == new.enforcement { return .none }
        restriction = new
        return .restricted(new)
    }

    private mutating func lift(now: Date) -> Change {
        guard let restriction else { return .none }
        self.restriction = nil
        return activeRestrictionWasLifted(restriction, now: now)
    }

    private func activeRestrictionWasLifted(_ old: ReachOutRestriction, now: Date) -> Change {
        old.until > now ? .lifted : .none
    }
}

/// What a reach-out notification says (a `<notification type="mex">` whose `<update op_name=…>`
/// carries a GraphQL answer as JSON; protocol brief §12, Baileys `handleMexNotification`).
enum ReachOutNotice: Equatable {
    struct Timelock: Equatable {
        var active: Bool
        /// `time_enforcement_ends`, unix seconds; nil when the server names none.
        var ends: Date?
        var enforcement: String?
    }

    struct NewChatCap: Equatable {
        /// `capping_status`: `NONE`, `FIRST_WARNING`, `SECOND_WARNING`, `CAPPED`.
        var status: String?
        var used: Int?
        var total: Int?
        var cycleEnd: Date?
    }

    case timelock(Timelock)
    case newChatCap(NewChatCap)

    static let timelockOperation = "NotificationUserReachoutTimelockUpdate"
    static let newChatCapOperation = "MessageCappingInfoNotification"

    /// Parses the update's operation name and JSON body; nil for other operations or a body
    /// without the expected object (logged by the caller, never a crash).
    init?(operation: String, json: [UInt8]) {
        guard operation == Self.timelockOperation || operation == Self.newChatCapOperation,
              let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any],
              let data = object["data"] as? [String: Any] else { return nil }
        if operation == Self.timelockOperation {
            guard let payload = data["xwa2_notify_account_reachout_timelock"] as? [String: Any] else { return nil }
            let active = (payload["is_active"] as? Bool) ?? ((payload["is_active"] as? NSNumber)?.boolValue ?? false)
            self = .timelock(Timelock(active: active, ends: Self.unixTime(payload["time_enforcement_ends"]),
                                      enforcement: payload["enforcement_type"] as? String))
        } else {
            guard let payload = data["xwa2_notify_new_chat_messages_capping_info_update"] as? [String: Any] else { return nil }
            self = .newChatCap(NewChatCap(status: payload["capping_status"] as? String, used: Self.integer(payload["used_quota"]),
                                          total: Self.integer(payload["total_quota"]), cycleEnd: Self.unixTime(payload["cycle_end_timestamp"])))
        }
    }

    /// The mex query Baileys sends after a 463 (`fetchAccountReachoutTimelock`): its persisted
    /// query id, and the field of the answer.
    static let timelockQueryID = "23983697327930364"
    static let timelockQueryField = "xwa2_fetch_account_reachout_timelock"

    /// The answer to that query: `<result>{"data":{"xwa2_fetch_account_reachout_timelock":{…}}}</result>`;
    /// nil when it is not one (GraphQL errors, another shape).
    static func timelock(queryResult json: [UInt8]) -> Timelock? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any],
              let data = object["data"] as? [String: Any], let payload = data[timelockQueryField] as? [String: Any] else { return nil }
        let active = (payload["is_active"] as? Bool) ?? ((payload["is_active"] as? NSNumber)?.boolValue ?? false)
        return Timelock(active: active, ends: unixTime(payload["time_enforcement_ends"]), enforcement: payload["enforcement_type"] as? String)
    }

    /// Unix seconds sent as a string (as the server does) or a number; "0" and absent mean none.
    static func unixTime(_ value: Any?) -> Date? {
        guard let seconds = integer(value), seconds > 0 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    static func integer(_ value: Any?) -> Int? {
        switch value {
        case let text as String: Int(text)
        case let number as NSNumber: number.intValue
        default: nil
        }
    }
}
