import Foundation
public import WhatsApp

/// The latest linking details each session reported (QR text and number, pairing code,
/// notice), kept for the dashboard; the WhatsApp service feeds it from the session events.
public actor SessionBoard {
    struct Entry {
        var qr: String?
        var qrIndex: Int?
        var pairingCode: String?
        var notice: String?
        var updatedAt = Date()
    }

    private var entries: [String: Entry] = [:]

    public init() {}

    public func record(_ session: String, _ event: SessionEvent) {
        var entry = entries[session] ?? Entry()
        switch event {
        case .qrCode(let text, let index):
            entry.qr = text
            entry.qrIndex = index
            entry.pairingCode = nil
        case .pairingCode(let code):
            entry.pairingCode = code
            entry.qr = nil
            entry.qrIndex = nil
        case .linked, .connected:
            entry.qr = nil
            entry.qrIndex = nil
            entry.pairingCode = nil
            entry.notice = nil
        case .stopped(let reason):
            entry.notice = reason
            entry.qr = nil
            entry.qrIndex = nil
            entry.pairingCode = nil
        case .notice(let text):
            entry.notice = text
        case .restricted:
            // The card shows the restriction itself (`SessionSnapshot.restrictedUntil`), with its end.
            break
        case .restrictionLifted:
            entry.notice = "no longer restricted from starting new chats"
        default:
            return
        }
        entry.updatedAt = Date()
        entries[session] = entry
    }

    /// Forgets the codes of an earlier attempt when linking starts again.
    func linkingStarted(_ session: String) {
        entries[session] = Entry(notice: "linking started from the dashboard")
    }

    func entry(_ session: String) -> Entry? { entries[session] }
}
