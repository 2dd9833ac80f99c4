import Foundation
import Logging
@testable import Siaran
import SiaranTestSupport
import Store
import Synchronization
import Testing

/// Two workers on one PostgreSQL database, as two membership services in this process: the
/// first takes the session, the second waits; when the first dies (cancelled without leaving,
/// as a kill -9 leaves things) the second takes the session once the lease runs out, under the
/// next fencing counter; the first, waking up, hears it lost the session.
@Suite("Cluster: workers take sessions by lease")
struct ClusterMembershipTests {
    static let logger = Logger(label: "cluster-test") { _ in SwiftLogNoOpLogHandler() }

    private func worker(_ id: String, on database: SiaranDatabase, leases: HeldLeases = HeldLeases())
        -> (Task<Void, any Error>, AsyncStream<ClusterMembershipService.LeaseChange>.Iterator) {
        let (changes, continuation) = AsyncStream.makeStream(of: ClusterMembershipService.LeaseChange.self)
        let service = ClusterMembershipService(database: database, settings: ClusterSettings(leaseSeconds: 5, workerId: id),
                                               logger: Self.logger, leases: leases, sessions: ["utama"],
                                               changes: continuation)
        return (Task { try await service.run() }, changes.makeAsyncIterator())
    }

    @Test("a dead worker's session moves to a live one within the lease; the stale worker hears it lost it", .timeLimit(.minutes(2)))
    func takeOver() async throws {
        let test = try await TestDatabase.make(.postgres)
        defer { test.remove() }
        let database = test.database

        let (first, firstChanges) = worker("a", on: database)
        var firstIterator = firstChanges
        #expect(await firstIterator.next() == .acquired(session: "utama", fencing: 1))

        let heldByB = HeldLeases()
        let (second, secondChanges) = worker("b", on: database, leases: heldByB)
        defer { second.cancel() }
        var secondIterator = secondChanges
        // While a beats, b takes nothing (a few of b's beats pass).
        try await Task.sleep(for: .seconds(2))
        #expect(heldByB.lease(of: "utama") == nil)

        // a dies: no more beats, nothing released.
        let died = ContinuousClock.now
        first.cancel()
        _ = try? await first.value
        #expect(await secondIterator.next() == .acquired(session: "utama", fencing: 2))
        let waited = ContinuousClock.now - died
        print("ClusterMembershipTests.takeOver: session taken over \(waited) after the worker died (lease 5 s)")
        #expect(waited < .seconds(60))

        // a wakes up with the lease it remembers: its first beat says the session is gone.
        let remembered = HeldLeases()
        remembered.record(SessionLease(session: "utama", owner: "a", expiresAt: Date(), fencing: 1))
        let (stale, staleChanges) = worker("a", on: database, leases: remembered)
        defer { stale.cancel() }
        var staleIterator = staleChanges
        #expect(await staleIterator.next() == .lost(session: "utama"))
        #expect(!(try await database.holdsSessionLease("utama", worker: "a", fencing: 1, at: Date())), "a's old lease is refused")
        // (Who holds it now depends on how late each beat is on a busy machine; it was taken over.)
        let lease = try #require(try await database.clusterStatus(at: Date(), workerTimeout: 60).leases.first)
        #expect(lease.fencing >= 2, "\(lease)")
    }

    @Test("a lease taken while a heartbeat runs (the dashboard linking a number) is not counted as lost by that beat")
    func leaseTakenDuringABeat() {
        let leases = HeldLeases()
        leases.record(SessionLease(session: "utama", owner: "a", expiresAt: Date(), fencing: 3))
        let heldBefore = leases.sessions
        // The dashboard takes `baru` after the beat read the database, so the answer lacks it.
        leases.record(SessionLease(session: "baru", owner: "a", expiresAt: Date(), fencing: 1))
        let renewed = SessionLease(session: "utama", owner: "a", expiresAt: Date().addingTimeInterval(15), fencing: 3)
        #expect(leases.replace(with: [renewed], heldBefore: heldBefore).isEmpty)
        #expect(leases.lease(of: "baru")?.fencing == 1, "kept: the next beat renews it")
        #expect(leases.lease(of: "utama")?.expiresAt == renewed.expiresAt)
        // A lease held before a beat and missing from its answer was lost.
        #expect(leases.replace(with: [renewed], heldBefore: leases.sessions) == ["baru"])
        #expect(leases.lease(of: "baru") == nil)
    }

    @Test("a worker that joins gets its share: the holder stops claiming, waits for what is on the wire, disconnects, then releases",
          .timeLimit(.minutes(3)))
    func sharesOut() async throws {
        let test = try await TestDatabase.make(.postgres)
        defer { test.remove() }
        let database = test.database
        let sessions = ["s1", "s2", "s3", "s4"]
        // s4 has a message on the wire until the test says it was recorded.
        let onTheWire = Mutex<[String: Int]>(["s4": 1])
        let disconnects = Mutex<[String]>([])
        func member(_ id: String, _ leases: HeldLeases) -> Task<Void, any Error> {
            let (_, continuation) = AsyncStream.makeStream(of: ClusterMembershipService.LeaseChange.self)
            let service = ClusterMembershipService(
                database: database, settings: ClusterSettings(leaseSeconds: 3, workerId: id), logger: Self.logger, leases: leases,
                sessions: sessions, changes: continuation,
                disconnect: { session in
                    // Disconnected while the lease is still this worker's: nobody else connects first.
                    let owner = try? await database.sessionLeases().first { $0.session == session }?.owner
                    disconnects.withLock { $0.append("\(id) \(session) \(owner ?? "none")") }
                },
                inFlight: { session in onTheWire.withLock { $0[session] ?? 0 } }, handOverWait: 300)
            return Task { try await service.run() }
        }

        let aLeases = HeldLeases(), bLeases = HeldLeases()
        let a = member("a", aLeases)
        defer { a.cancel() }
        #expect(await eventually(timeout: .seconds(60)) { aLeases.sessions == Set(sessions) }, "alone, a takes every session")

        let b = member("b", bLeases)
        defer { b.cancel() }
        // a holds twice its share: it hands s3 and s4 over. s3 has nothing on the wire and goes;
        // s4 stays a's, claimed for by nobody, while its message is on the wire.
        #expect(await eventually(timeout: .seconds(60)) { bLeases.sessions == ["s3"] }, "\(bLeases.sessions)")
        #expect(aLeases.fence(for: "s4", worker: "a").fencing == 0, "nothing new is claimed for a session being handed over")
        #expect(aLeases.lease(of: "s4") != nil, "its keys may still be written: the lease is still a's")
        #expect(try await database.sessionLeases().first { $0.session == "s4" }?.owner == "a")
        #expect(aLeases.fence(for: "s1", worker: "a").fencing > 0, "a's own share sends on")

        onTheWire.withLock { $0["s4"] = 0 }
        #expect(await eventually(timeout: .seconds(60)) { bLeases.sessions == ["s3", "s4"] }, "\(bLeases.sessions)")
        #expect(aLeases.sessions == ["s1", "s2"])
        #expect(bLeases.lease(of: "s4")?.fencing == 2, "b's lease comes under the next fencing counter")
        #expect(disconnects.withLock { $0 } == ["a s3 a", "a s4 a"])
        // Even now: a few more beats move nothing.
        try await Task.sleep(for: .seconds(3))
        #expect(aLeases.sessions == ["s1", "s2"] && bLeases.sessions == ["s3", "s4"])
        #expect(disconnects.withLock { $0.count } == 2)
    }
}
