public import Foundation

/// One message to send, with the id chosen before the first attempt. A retry after a crash uses
/// the same id, so the recipient's client drops the duplicate.
public struct OutgoingMessage: Sendable, Equatable {
    public var id: String
    /// International number without `+` (`6281234567890`).
    public var phone: String
    public var text: String
    public var media: MediaAttachment?
    /// The linked WhatsApp number (session name) that sends it.
    public var session: String
    public var campaignId: String
    /// The campaign's folder in `outbox/` (named after its drop); nil means the id.
    public var folder: String?
    /// An answer to someone who wrote to this number (the inbox, the auto-reply bot): a number
    /// restricted from starting new chats still sends it. Campaign messages leave it false.
    public var answersContact: Bool

    public init(id: String, phone: String, text: String, media: MediaAttachment? = nil, session: String, campaignId: String,
                folder: String? = nil, answersContact: Bool = false) {
        self.id = id
        self.phone = phone
        self.text = text
        self.media = media
        self.session = session
        self.campaignId = campaignId
        self.folder = folder
        self.answersContact = answersContact
    }
}

/// The prepared image of a campaign (made WhatsApp-ready by the Media module); `text` becomes its
/// caption. The fields are what an `imageMessage` carries besides the upload's keys.
public struct MediaAttachment: Sendable, Equatable {
    /// The prepared file to upload.
    public var path: String
    /// Lowercase hex SHA-256 of that file (`fileSHA256`).
    public var sha256: String
    public var mimetype: String
    /// Pixel size of the prepared picture, 0 when unknown.
    public var width: Int
    public var height: Int
    /// The small JPEG shown before the picture is downloaded (`jpegThumbnail`).
    public var jpegThumbnail: Data?

    public init(path: String, sha256: String, mimetype: String, width: Int = 0, height: Int = 0, jpegThumbnail: Data? = nil) {
        self.path = path
        self.sha256 = sha256
        self.mimetype = mimetype
        self.width = width
        self.height = height
        self.jpegThumbnail = jpegThumbnail
    }
}

/// What happened to one send attempt.
public enum SendResult: Sendable, Equatable {
    /// The server accepted the message.
    case sent(at: Date)
    /// It will never succeed (not on WhatsApp, invalid number, blocked); the reason is shown to staff.
    case permanentFailure(reason: String)
    /// It may succeed later (connection lost, rate limit); the pipeline retries with backoff.
    case transientFailure(reason: String)
    /// Not written to the network: this session may not start new chats until `until` (a reach-out
    /// restriction). The pipeline gives the message to another session or lets it wait; no attempt
    /// is spent.
    case deferred(until: Date, reason: String)
}

/// Things a transport learns after sending: receipts and replies.
public enum TransportEvent: Sendable, Equatable {
    case delivered(messageId: String, at: Date)
    case read(messageId: String, at: Date)
    case reply(phone: String, session: String, messageId: String, text: String, at: Date)
}

/// How the pipeline sends: the dry-run rehearsal, the native WhatsApp client, or (later) the
/// official Cloud API implement this, and the pipeline knows nothing else about them.
public protocol MessageTransport: Sendable {
    func send(_ message: OutgoingMessage) async -> SendResult
    /// Receipts and replies, for as long as the transport runs.
    var events: AsyncStream<TransportEvent> { get }
    /// Whether a session can take messages now (linked, not logged out, its sends acknowledged).
    /// The pipeline hands a campaign's messages to the sessions that can.
    func isAvailable(session: String) async -> Bool
    /// Sessions the transport runs now, beyond the configured list: a number linked from the
    /// dashboard while the daemon runs joins campaigns that do not name their sessions.
    func sessionNames() async -> [String]
    /// Until when `session` may not start new chats (WhatsApp restricted the number), nil when it
    /// may. It still answers people who wrote to it.
    func restrictedUntil(session: String) async -> Date?
}

extension MessageTransport {
    public func isAvailable(session: String) async -> Bool { true }
    public func sessionNames() async -> [String] { [] }
    public func restrictedUntil(session: String) async -> Date? { nil }
}
