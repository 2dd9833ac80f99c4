public import Foundation

/// What the dashboard may do with linked WhatsApp numbers. The daemon implements it over its
/// running sessions (`Sources/Siaran`), so this module needs nothing of the WhatsApp client.
public protocol SessionControl: Sendable {
    /// Every configured session as it is now (state, phone, current QR or pairing code).
    func sessions() async -> [SessionSnapshot]
    /// Starts linking (or reconnecting) `session`; with `pairingPhone`, by pairing code instead of QR.
    func connect(session: String, pairingPhone: String?) async throws -> SessionSnapshot
    /// Logs `session` out: the phone loses the linked device and its keys are deleted.
    func disconnect(session: String) async throws
}

/// One session at one moment.
public struct SessionSnapshot: Sendable, Equatable, Codable {
    public var name: String
    /// `not-linked`, `linking`, `connecting`, `connected`, `waiting-to-reconnect`, `logged-out`, …
    public var state: String
    public var phone: String?
    /// The QR text to show while linking, and its number within the attempt (changes ~every 20 s).
    public var qr: String?
    public var qrIndex: Int?
    /// Dark modules of that QR, row by row, so the page can draw it without another library.
    public var qrModules: [[Bool]]?
    public var pairingCode: String?
    public var notice: String?
    public var updatedAt: Date
    /// Until when WhatsApp restricts the number from starting new chats; nil when it may.
    public var restrictedUntil: Date?

    public init(name: String, state: String, phone: String? = nil, qr: String? = nil, qrIndex: Int? = nil,
                qrModules: [[Bool]]? = nil, pairingCode: String? = nil, notice: String? = nil, updatedAt: Date = Date(),
                restrictedUntil: Date? = nil) {
        self.name = name
        self.state = state
        self.phone = phone
        self.qr = qr
        self.qrIndex = qrIndex
        self.qrModules = qrModules
        self.pairingCode = pairingCode
        self.notice = notice
        self.updatedAt = updatedAt
        self.restrictedUntil = restrictedUntil
    }
}
