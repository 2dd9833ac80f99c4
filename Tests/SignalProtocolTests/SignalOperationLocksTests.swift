import Foundation
@testable import SignalProtocol
import Testing

/// Operations on one Signal address take turns; other addresses go on meanwhile.
@Suite("Signal operations per address")
struct SignalOperationLocksTests {
    /// A read-suspend-write step, like a ratchet read from the store, advanced and written back.
    private actor Ratchet {
        var steps = 0
        func read() -> Int { steps }
        func write(_ value: Int) { steps = value }
    }

    @Test("read-advance-write steps on one address never overwrite each other")
    func oneAddress() async throws {
        let locks = SignalOperationLocks()
        let ratchet = Ratchet()
        let address = SignalAddress(name: "6281234567890", deviceId: 1)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    await locks.withLock(address) {
                        let value = await ratchet.read()
                        await Task.yield()  // the store's suspension, where another operation used to slip in
                        try? await Task.sleep(for: .microseconds(Int.random(in: 0...200)))
                        await ratchet.write(value + 1)
                    }
                }
            }
        }
        #expect(await ratchet.steps == 200)
        #expect(locks.heldCount == 0)
    }

    @Test("an operation held on one address does not hold up another address")
    func otherAddresses() async throws {
        let locks = SignalOperationLocks()
        let busy = SignalAddress(name: "6281111111111", deviceId: 0), free = SignalAddress(name: "6282222222222", deviceId: 0)
        let (gate, opener) = AsyncStream.makeStream(of: Void.self)
        let holding = Task {
            await locks.withLock(busy) {
                var waiting = gate.makeAsyncIterator()
                _ = await waiting.next()
            }
        }
        // Wait until the first operation holds its address.
        while locks.heldCount == 0 { await Task.yield() }
        let ranElsewhere = await locks.withLock(free) { true }
        #expect(ranElsewhere)
        opener.yield()
        opener.finish()
        await holding.value
        #expect(locks.heldCount == 0)
    }
}
