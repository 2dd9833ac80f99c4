public import Foundation
public import SignalProtocol
public import WASocket

/// Where a session connects: WhatsApp itself, or the local simulator in tests and demos.
public struct WhatsAppEndpoint: Sendable {
    public var url: URL
    /// The root of the server's Noise certificate chain.
    public var rootKey: PublicKey
    /// Scheme for media uploads to the hosts `media_conn` names (`https` on WhatsApp).
    public var mediaScheme: String

    public init(url: URL, rootKey: PublicKey, mediaScheme: String = "https") {
        self.url = url
        self.rootKey = rootKey
        self.mediaScheme = mediaScheme
    }

    public static let whatsApp = WhatsAppEndpoint(
        url: URL(string: "wss://web.whatsapp.com/ws/chat")!, rootKey: CertificateChainVerifier.whatsAppRootKey)
}

/// How one session behaves; the defaults follow whatsmeow where it documents a value.
public struct SessionConfiguration: Sendable {
    public var endpoint: WhatsAppEndpoint
    public var version: WhatsAppVersion
    public var connectTimeout: Duration = .seconds(20)
    /// The proxy this session's WebSocket and media uploads go through (`whatsapp.proxies`);
    /// nil connects directly.
    public var proxy: ProxyConfiguration?
    /// How long to wait for the server's ack of a message.
    public var ackTimeout: Duration = .seconds(30)
    public var queryTimeout: Duration = .seconds(60)
    /// Keepalive pings are sent at a random interval in this range (whatsmeow: 20–30 s).
    public var keepaliveInterval: ClosedRange<Double> = 20...30
    /// Reconnect delay grows by this per consecutive failure (whatsmeow: 2 s × failures), capped.
    public var backoffStep: Double = 2
    public var backoffCap: Double = 60
    /// Name shown on the phone as the sender's push name.
    public var pushName: String = "Siaran"
    /// Send `composing` for a moment before each message (off by default).
    public var typingIndicator = false
    /// How long a send waits for a connection that is (re)connecting before it gives up for now.
    public var sendWaitForConnection: Duration = .seconds(30)
    /// The folder whose `<session name>/NOTICE.txt` tells staff, in plain words, why a session
    /// stopped (`outbox/sessions/`); nil uses `outbox/sessions/` beside the `state/` folder.
    public var noticesFolder: URL?
    /// Writes the time at the start of a notice; the daemon passes its local-time formatter (the
    /// configured zone with its offset), the default is ISO-8601 in UTC.
    public var noticeTime: @Sendable (Date) -> String = { ISO8601DateFormatter().string(from: $0) }

    public init(endpoint: WhatsAppEndpoint = .whatsApp, version: WhatsAppVersion = .shippedDefault) {
        self.endpoint = endpoint
        self.version = version
    }
}

/// What a session reports while it runs.
public enum SessionEvent: Sendable, Equatable {
    /// A QR code to show; `index` counts the codes of one linking attempt.
    case qrCode(text: String, index: Int)
    /// The code to type on the phone (Linked devices → Link with phone number), `XXXX-XXXX`.
    case pairingCode(String)
    case linked(phone: String, device: UInt16)
    /// Logged in and ready to send.
    case connected
    case disconnected(reason: String, reconnectIn: Double?)
    /// The link ended for good (logged out, replaced, banned); a notice explains what to do.
    case stopped(reason: String)
    case delivered(messageId: String, at: Date)
    case read(messageId: String, at: Date)
    /// A text from a contact (a reply to a campaign, or anything they write).
    case incoming(phone: String, messageId: String, text: String, at: Date)
    /// Something staff should know (rate limits, device changes).
    case notice(String)
    /// WhatsApp restricted the number from starting new chats (or moved the end of a restriction).
    case restricted(ReachOutRestriction)
    /// The number may start new chats again.
    case restrictionLifted
}

/// Where a session is now.
public enum SessionState: String, Sendable, Codable {
    case notLinked = "not-linked"
    case linking, connecting, connected
    case waitingToReconnect = "waiting-to-reconnect"
    case loggedOut = "logged-out"
    case replaced, banned
    case stopped
}
