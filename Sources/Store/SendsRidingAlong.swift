import Synchronization

/// Campaign messages a send loop already put on the wire and has not recorded yet, handed to the
/// next send of the same session so they are recorded as sent in that send's session-state
/// transaction (`writeSessionState`), which commits before its frame goes out anyway.
///
/// A send loop records its sends with its next claim, a group of up to 64 later; a worker killed
/// in between would leave every one of them `sending`, and the session's next holder would send
/// them all again (under their ids). Riding along, at most the last message before the kill is
/// unrecorded: one repeat per session, with no extra commit. Only the database session storage
/// (PostgreSQL, the cluster) writes session state in a transaction; with session folders they
/// wait for the claim as before.
public final class SendsRidingAlong: Sendable {
    /// The sends of the task that is sending now, if its loop has any unrecorded.
    @TaskLocal public static var current: SendsRidingAlong?

    private let state: Mutex<(sends: [SentMessage], recorded: Bool)>

    public init(_ sends: [SentMessage]) {
        state = Mutex((sends, false))
    }

    /// How many sends ride along.
    public var count: Int { state.withLock { $0.sends.count } }

    /// Whether a session-state transaction recorded them (then the loop forgets them).
    public var recorded: Bool { state.withLock { $0.recorded } }

    /// What is still to record: nothing once a transaction recorded them.
    var unrecorded: [SentMessage] { state.withLock { $0.recorded ? [] : $0.sends } }

    func markRecorded() { state.withLock { $0.recorded = true } }
}
