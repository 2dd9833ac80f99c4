import Foundation
import Store
import Synchronization

/// Each contact hears from the number that wrote to them last (what Twilio calls a sticky
/// sender). For the contact it is one chat with the business, where their earlier messages and
/// replies are; for the number it is no new chat (WhatsApp counts new chats against a number, and
/// restricts numbers that start many), and no new Signal session, number check or device list.
///
/// A lane leaves such a contact to its number while that number can send it: it is one of the
/// campaign's sessions, connected here or leased by a live worker of the cluster, not restricted
/// for that contact, not held up at a cap, and the contact has not waited longer than `patience`.
/// Otherwise any session takes it, as before. Contacts no campaign wrote to yet go to whichever
/// lane is free first.
final class SameNumber: Sendable {
    /// How long a contact waits for its number before any other session may write to it: a
    /// safety net for what this process cannot see (another worker's session at its cap).
    static let patience: TimeInterval = 30 * 60
    /// How long the cluster's leases read from the database are trusted.
    static let leaseCacheSeconds: TimeInterval = 5

    private struct State {
        var lastSender: [String: String] = [:]
        var heldUp: Set<String> = []
        var firstLeft: [String: Date] = [:]
        var leased: (sessions: Set<String>, readAt: Date)?
    }
    private let state = Mutex(State())

    /// Reads who wrote last to each of the campaign's contacts (once, when it starts sending).
    func load(campaign: String, database: SiaranDatabase) async throws {
        let senders = try await database.lastSenders(of: campaign)
        state.withLock { $0.lastSender = senders }
    }

    /// The session that last wrote to `phone`, if any campaign did.
    func lastSender(of phone: String) -> String? { state.withLock { $0.lastSender[phone] } }

    /// A lane says its session cannot send now (at a cap, at its cold cap) or can again.
    func setHeldUp(_ session: String, _ heldUp: Bool) {
        state.withLock { state in
            if heldUp { state.heldUp.insert(session) } else { state.heldUp.remove(session) }
        }
    }

    func isHeldUp(_ session: String) -> Bool { state.withLock { $0.heldUp.contains(session) } }

    /// Notes that a lane left message `id` to its number; true while it may still wait for it.
    func mayWait(_ id: String, now: Date) -> Bool {
        state.withLock { state in
            let first = state.firstLeft[id] ?? now
            state.firstLeft[id] = first
            return now.timeIntervalSince(first) < Self.patience
        }
    }

    /// Sessions leased by a live worker (any worker) of the cluster, read at most every few seconds.
    func leasedSessions(now: Date, read: () async throws -> [SessionLease]) async throws -> Set<String> {
        if let cached = state.withLock({ $0.leased }), abs(now.timeIntervalSince(cached.readAt)) < Self.leaseCacheSeconds {
            return cached.sessions
        }
        let sessions = Set(try await read().filter { $0.owner != nil && $0.expiresAt > now }.map(\.session))
        state.withLock { $0.leased = (sessions, now) }
        return sessions
    }
}
