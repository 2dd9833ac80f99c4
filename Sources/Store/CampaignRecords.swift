public import Foundation

/// A campaign as stored; `state` moves queued → (waiting-approval) → scheduled → sending → done,
/// or to paused, cancelled or failed.
public struct CampaignRecord: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable, CaseIterable {
        case queued, waitingApproval = "waiting-approval", scheduled, sending, paused, done, cancelled, failed

        /// Whether the runner still has work for a campaign in this state.
        public var isOpen: Bool { ![.done, .cancelled, .failed].contains(self) }
    }

    public var id: String
    public var name: String
    public var dropId: String?
    public var state: State
    public var priority: Int
    public var createdAt: Date
    public var sendAt: Date?
    public var startedAt: Date?
    public var finishedAt: Date?
    public var spoolPath: String
    public var options: String?
    public var failureReason: String?
    /// The folder in `outbox/` that holds the campaign's files, chosen once at intake from what
    /// staff dropped (`promo-lebaran`, `promo-lebaran-2`); nil for campaigns taken before v7,
    /// whose folder is their id.
    public var outboxFolder: String?

    /// The campaign's folder name in `outbox/`.
    public var folderName: String { outboxFolder ?? id }

    public init(id: String, name: String, dropId: String?, state: State = .queued, priority: Int = 0, createdAt: Date = Date(),
                sendAt: Date? = nil, spoolPath: String, options: String? = nil, outboxFolder: String? = nil) {
        self.id = id
        self.name = name
        self.dropId = dropId
        self.state = state
        self.priority = priority
        self.createdAt = createdAt
        self.sendAt = sendAt
        self.spoolPath = spoolPath
        self.options = options
        self.outboxFolder = outboxFolder
    }
}

/// Every drop taken from inbox/, whatever became of it.
public struct DropRecord: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var contentHash: String
    public var receivedAt: Date
    public var outcome: String
    public var reason: String?
    public var campaignId: String?

    public init(id: String, name: String, contentHash: String, receivedAt: Date = Date(), outcome: String, reason: String? = nil, campaignId: String? = nil) {
        self.id = id
        self.name = name
        self.contentHash = contentHash
        self.receivedAt = receivedAt
        self.outcome = outcome
        self.reason = reason
        self.campaignId = campaignId
    }
}

/// One message and its progress.
public struct MessageRecord: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable, CaseIterable {
        case pending, sending, sent, delivered, read, failed, retrying
    }

    public var id: String
    public var campaignId: String
    public var contactId: Int64
    public var phone: String
    public var session: String?
    public var variant: String?
    public var text: String
    public var mediaSHA256: String?
    public var state: State
    public var reason: String?
    public var attempts: Int
    public var queuedAt: Date
    public var nextAttemptAt: Date?
    public var sentAt: Date?
    public var deliveredAt: Date?
    public var readAt: Date?
    public var repliedAt: Date?
    public var failedAt: Date?
    /// `send_time: best`: the local hour chosen for this contact (0-23), or -1 when they have no
    /// history and go in the campaign's order; nil when the campaign does not choose hours.
    public var sendHour: Int?
    /// Not sent before this time (the chosen hour's next start when sending began).
    public var notBefore: Date?

    public init(id: String, campaignId: String, contactId: Int64, phone: String, variant: String?, text: String, mediaSHA256: String?, queuedAt: Date = Date()) {
        self.id = id
        self.campaignId = campaignId
        self.contactId = contactId
        self.phone = phone
        self.variant = variant
        self.text = text
        self.mediaSHA256 = mediaSHA256
        self.state = .pending
        self.attempts = 0
        self.queuedAt = queuedAt
    }
}

/// How many messages of a campaign are in each state.
public struct MessageCounts: Sendable, Equatable, Codable {
    public var total = 0, pending = 0, sending = 0, sent = 0, delivered = 0, read = 0, replied = 0, failed = 0, retrying = 0

    public init() {}

    /// Adds `count` messages in `state` (the `messages.state` column), `replied` of them answered.
    /// Every query that groups messages by state tallies through here.
    public mutating func add(state: String, count: Int, replied: Int) {
        total += count
        self.replied += replied
        switch MessageRecord.State(rawValue: state) {
        case .pending: pending += count
        case .sending: sending += count
        case .sent: sent += count
        case .delivered: delivered += count
        case .read: read += count
        case .failed: failed += count
        case .retrying: retrying += count
        case nil: break
        }
    }
}

extension CampaignRecord {
    init(row: SQLRow) throws {
        let stateText = try row.string("state")
        guard let state = State(rawValue: stateText) else {
            throw StoreError(.unexpectedValue, detail: "campaign \(row.optionalString("id") ?? "?") has an unknown state '\(stateText)'")
        }
        self.init(id: try row.string("id"), name: try row.string("name"), dropId: row.optionalString("dropId"), state: state,
                  priority: row.optionalInt("priority") ?? 0, createdAt: try row.date("createdAt"), sendAt: row.optionalDate("sendAt"),
                  spoolPath: try row.string("spoolPath"), options: row.optionalString("options"))
        startedAt = row.optionalDate("startedAt")
        finishedAt = row.optionalDate("finishedAt")
        failureReason = row.optionalString("failureReason")
        outboxFolder = row.optionalString("outboxFolder")
    }
}

extension DropRecord {
    init(row: SQLRow) throws {
        self.init(id: try row.string("id"), name: try row.string("name"), contentHash: try row.string("contentHash"),
                  receivedAt: try row.date("receivedAt"), outcome: try row.string("outcome"), reason: row.optionalString("reason"),
                  campaignId: row.optionalString("campaignId"))
    }
}

extension MessageRecord {
    init(row: SQLRow) throws {
        self.init(id: try row.string("id"), campaignId: try row.string("campaignId"), contactId: try row.int64("contactId"),
                  phone: try row.string("phone"), variant: row.optionalString("variant"), text: try row.string("text"),
                  mediaSHA256: row.optionalString("mediaSHA256"), queuedAt: try row.date("queuedAt"))
        let stateText = try row.string("state")
        guard let state = State(rawValue: stateText) else {
            throw StoreError(.unexpectedValue, detail: "message \(id) has an unknown state '\(stateText)'")
        }
        self.state = state
        session = row.optionalString("session")
        reason = row.optionalString("reason")
        attempts = row.optionalInt("attempts") ?? 0
        nextAttemptAt = row.optionalDate("nextAttemptAt")
        sentAt = row.optionalDate("sentAt")
        deliveredAt = row.optionalDate("deliveredAt")
        readAt = row.optionalDate("readAt")
        repliedAt = row.optionalDate("repliedAt")
        failedAt = row.optionalDate("failedAt")
        sendHour = row.optionalInt("sendHour")
        notBefore = row.optionalDate("notBefore")
    }
}
