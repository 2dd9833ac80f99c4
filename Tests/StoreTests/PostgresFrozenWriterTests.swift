import Foundation
import Logging
import SiaranTestSupport
@testable import Store
import Synchronization
import Testing

/// A cluster worker frozen in the middle of a write transaction (SIGSTOP, a paused VM) must not
/// hold every other worker's writes, lease take-overs included, for as long as it stays frozen.
@Suite("PostgreSQL: a writer frozen inside its transaction")
struct PostgresFrozenWriterTests {
    @Test("another worker's write goes through once the frozen transaction has been idle 10 s; the frozen one fails when it wakes",
          .timeLimit(.minutes(2)))
    func frozenWriterReleased() async throws {
        let test = try await TestDatabase.make(.postgres)
        defer { test.remove() }
        let frozen = try await SiaranDatabase.open(test.location, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        let other = test.database
        let woke = Mutex(false)
        // The frozen worker takes the writer lock and a session lease row, then stops for 20 s
        // (once: the transaction the backend may try again after the server ended it does not freeze).
        let frozenWrite = Task {
            try await frozen.write { db in
                _ = try db.execute("INSERT INTO sessionLeases (session, owner, expiresAt, fencing) VALUES ('utama', 'a', ?, 1)", Date())
                if !woke.withLock({ $0 }) {
                    Thread.sleep(forTimeInterval: 20)
                    woke.withLock { $0 = true }
                }
            }
        }
        try await Task.sleep(for: .seconds(1))
        // The other worker takes the lease over as soon as the server has ended the frozen session.
        let lease = try await other.acquireSessionLease(session: "utama", worker: "b", at: Date(), duration: 15)
        #expect(lease?.owner == "b")
        #expect(!woke.withLock { $0 }, "the take-over did not wait for the frozen worker to wake")
        await #expect(throws: (any Error).self, "the frozen transaction was rolled back") { try await frozenWrite.value }
        #expect(try await other.sessionLeases().map(\.owner) == ["b"])
        await frozen.close()
    }
}
