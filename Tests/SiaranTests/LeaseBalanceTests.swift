import Foundation
@testable import Siaran
import Store
import Testing

/// How a worker shares the cluster's sessions out at a beat, from the picture it reads.
@Suite("Cluster: sessions are shared out over the live workers")
struct LeaseBalanceTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let six = ["s1", "s2", "s3", "s4", "s5", "s6"]

    /// A picture where `owners` maps each held session to its worker; every other worker in
    /// `workers` is live with what it holds.
    private func load(workers: [String], owners: [String: String], free: [String: Date] = [:]) -> ClusterLoad {
        var held = Dictionary(uniqueKeysWithValues: workers.map { ($0, 0) })
        for owner in owners.values { held[owner, default: 0] += 1 }
        return ClusterLoad(sessionsHeld: held, heldBy: owners, freeSince: free)
    }

    private func balance(_ worker: String, _ load: ClusterLoad, handingOver: Set<String> = []) -> LeaseBalance {
        let held = Set(load.heldBy.filter { $0.value == worker }.keys)
        return LeaseBalance(worker: worker, load: load, held: held, handingOver: handingOver, candidates: Self.six, now: Self.now, grace: 5)
    }

    @Test("alone, a worker takes every free session; with two others live, only its share of those just freed")
    func takesItsShare() {
        let justFreed = Dictionary(uniqueKeysWithValues: Self.six.map { ($0, Self.now.addingTimeInterval(-1)) })
        #expect(balance("a", load(workers: ["a"], owners: [:], free: justFreed)).take == Self.six)
        // Sessions never taken (no lease yet) wait for nobody: the hand-overs even it out later.
        #expect(balance("a", load(workers: ["a", "b", "c"], owners: [:])).take == Self.six)
        let three = balance("a", load(workers: ["a", "b", "c"], owners: [:], free: justFreed))
        #expect(three.share == 2)
        #expect(three.take == ["s1", "s2"])
        #expect(three.handOver.isEmpty)
    }

    @Test("a session left free longer than a beat is taken by a worker at its share, so no number stays unconnected")
    func freeTooLongIsTakenAnyway() {
        let owners = ["s1": "a", "s2": "a", "s3": "b", "s4": "b", "s5": "c"]
        let justFreed = load(workers: ["a", "b", "c"], owners: owners, free: ["s6": Self.now.addingTimeInterval(-1)])
        #expect(balance("a", justFreed).take.isEmpty, "c is under its share: its turn first")
        #expect(balance("c", justFreed).take == ["s6"])
        let longFree = load(workers: ["a", "b", "c"], owners: owners, free: ["s6": Self.now.addingTimeInterval(-6)])
        #expect(balance("a", longFree).take == ["s6"])
        // Unless a handed it over itself lately: then it waits a whole lease for c (whose beat is late).
        let handedBack = LeaseBalance(worker: "a", load: longFree, held: ["s1", "s2"], handingOver: [], candidates: Self.six,
                                      now: Self.now, grace: 5, handedOverLately: ["s6"])
        #expect(handedBack.take.isEmpty)
    }

    @Test("a worker holding every session hands the excess over when two workers join, and nothing more")
    func handsOverTheExcess() {
        let owners = Dictionary(uniqueKeysWithValues: Self.six.map { ($0, "a") })
        let joined = balance("a", load(workers: ["a", "b", "c"], owners: owners))
        #expect(joined.handOver == ["s3", "s4", "s5", "s6"])
        #expect(joined.take.isEmpty)
        // While those are under way, nothing more.
        #expect(balance("a", load(workers: ["a", "b", "c"], owners: owners), handingOver: ["s3", "s4", "s5", "s6"]).handOver.isEmpty)
        // Even already: nobody moves.
        let even = ["s1": "a", "s2": "a", "s3": "b", "s4": "b", "s5": "c", "s6": "c"]
        for worker in ["a", "b", "c"] {
            let settled = balance(worker, load(workers: ["a", "b", "c"], owners: even))
            #expect(settled.take.isEmpty && settled.handOver.isEmpty, "\(worker): \(settled)")
        }
    }

    @Test("nothing is handed over to room that free sessions will fill")
    func freeSessionsFillRoomFirst() {
        // b died: its two sessions are free, c has room for them, a (at its share) keeps its own.
        let owners = ["s1": "a", "s2": "a", "s3": "a", "s4": "c"]
        let picture = load(workers: ["a", "c"], owners: owners, free: ["s5": Self.now.addingTimeInterval(-1), "s6": Self.now.addingTimeInterval(-1)])
        #expect(balance("a", picture).handOver.isEmpty)
        #expect(balance("c", picture).take == ["s5", "s6"])
    }

    @Test("below the floor: only the most loaded worker gives one session at a time")
    func floorGap() {
        // Eight sessions over three workers: 3, 3, 2 is even; 4, 3, 1 is not.
        let eight = Self.six + ["s7", "s8"]
        let owners = ["s1": "a", "s2": "a", "s3": "a", "s4": "a", "s5": "b", "s6": "b", "s7": "b", "s8": "c"]
        let picture = load(workers: ["a", "b", "c"], owners: owners)
        func balance(_ worker: String) -> LeaseBalance {
            LeaseBalance(worker: worker, load: picture, held: Set(owners.filter { $0.value == worker }.keys), handingOver: [],
                         candidates: eight, now: Self.now, grace: 5)
        }
        #expect(balance("a").handOver == ["s4"], "a is above its share (3): one to c")
        #expect(balance("b").handOver.isEmpty, "b is at its share and c has room: a's excess fills it")
        #expect(balance("c").handOver.isEmpty)
        // Four workers, six sessions: 2, 2, 2, 0; share 2, floor 1: the first of the most loaded gives one.
        let gap = load(workers: ["a", "b", "c", "d"], owners: ["s1": "a", "s2": "a", "s3": "b", "s4": "b", "s5": "c", "s6": "c"])
        #expect(self.balance("a", gap).handOver == ["s2"])
        #expect(self.balance("b", gap).handOver.isEmpty)
        #expect(self.balance("c", gap).handOver.isEmpty)
    }
}
