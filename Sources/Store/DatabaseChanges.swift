import Synchronization

/// Announces that something was committed to the database, so a live view (the dashboard's event
/// stream) looks again at once instead of at its next poll. On PostgreSQL every worker's commits
/// to campaigns, messages, replies and events arrive through `LISTEN/NOTIFY`; the announcement
/// carries nothing but "look again", so a missed or doubled one costs at most one query.
public final class DatabaseChanges: Sendable {
    private let generation = Mutex<UInt64>(0)

    public init() {}

    /// Grows with every announcement.
    public var current: UInt64 { generation.withLock { $0 } }

    func announce() { generation.withLock { $0 &+= 1 } }

    /// Returns as soon as something was announced after `seen`, or once `timeout` has passed;
    /// answers the generation to remember for the next wait.
    public func wait(after seen: UInt64, atMost timeout: Duration) async throws -> UInt64 {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while true {
            let now = current
            if now != seen || clock.now >= deadline { return now }
            // A look at a counter in memory: cheap enough for every open stream.
            try await Task.sleep(for: min(.milliseconds(20), deadline - clock.now))
        }
    }
}
