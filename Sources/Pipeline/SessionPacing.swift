public import Foundation
import Synchronization

/// When each session may send next, shared by every campaign of this process: pacing belongs to
/// the WhatsApp number, not to the campaign, so campaign B that follows campaign A on the same
/// number still waits A's delay. A session this process has not sent through yet (just started,
/// or just taken over from another worker) is paced from its newest send in the database.
public final class SessionPacing: Sendable {
    private let readyAt = Mutex<[String: Date?]>([:])

    public init() {}

    /// The earliest time `session` may send again; `loadLastSend` is asked once per session (the
    /// database's newest send), and the delay after it is `gapAfterLoaded`.
    func readyTime(of session: String, gapAfterLoaded: Double, loadLastSend: () async throws -> Date?) async throws -> Date? {
        if let known = readyAt.withLock({ $0[session] }) { return known }
        let loaded = try await loadLastSend().map { $0.addingTimeInterval(gapAfterLoaded) }
        // A send recorded meanwhile by this process is newer than the database's answer.
        return readyAt.withLock { entries in
            if let known = entries[session] { return known }
            entries[session] = .some(loaded)
            return loaded
        }
    }

    /// `session` sent at `at` and must then wait `gap` seconds.
    func sent(_ session: String, at: Date, gap: Double) {
        readyAt.withLock { $0[session] = .some(at.addingTimeInterval(gap)) }
    }
}
