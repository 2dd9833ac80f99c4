import Foundation
import Store

/// What one worker does at a heartbeat so the cluster's numbers are spread over its live workers:
/// which free sessions it takes and which of its own it hands over. Each worker decides for itself
/// from the same picture (`ClusterLoad`); nobody assigns sessions, so a worker that dies leaves
/// nothing half-decided.
///
/// A worker's share is `ceil(sessions / live workers)`. It takes a free session while it holds
/// less than its share, and any session left free for longer than `grace` (two beats: the workers
/// under their share had their turn), so a number is never left unconnected; one it handed over
/// itself it leaves to the others for a whole lease. It hands sessions
/// over when it holds more than its share and others have room, or holds one more than the
/// floor while another holds less than the floor (then only the most loaded worker gives one at
/// a time, so several do not empty themselves into the same gap). Nothing is handed over while a
/// hand-over of its own is still under way or in a beat that took a session.
struct LeaseBalance: Equatable {
    /// Free sessions to take now, in name order.
    var take: [String] = []
    /// Sessions of this worker to hand over (stop claiming, drain, disconnect, release).
    var handOver: [String] = []
    /// Sessions per worker when the cluster is even (rounded up).
    var share = 0

    /// - Parameters:
    ///   - held: the leases this worker holds now (handing over included).
    ///   - handingOver: those it is already handing over.
    ///   - candidates: the sessions this worker could run.
    ///   - handedOverLately: sessions this worker released within the last lease: it does not take
    ///     them back through the free-too-long rule (on a slow machine the taker's beat may come
    ///     late, and taking them back made a session go to and fro).
    init(worker: String, load: ClusterLoad, held: Set<String>, handingOver: Set<String>, candidates: [String],
         now: Date, grace: TimeInterval, handedOverLately: Set<String> = []) {
        var counts = load.sessionsHeld
        var mine = held.subtracting(handingOver).count
        counts[worker] = mine
        let sessions = Set(candidates).union(load.heldBy.keys)
        let workers = max(1, counts.count)
        share = (sessions.count + workers - 1) / workers
        let floor = sessions.count / workers

        // A session with no lease row was never taken: free since always.
        let free = candidates.filter { !held.contains($0) && load.heldBy[$0] == nil }.sorted()
        for session in free {
            let since = load.freeSince[session] ?? .distantPast
            guard mine < share || (since <= now.addingTimeInterval(-grace) && !handedOverLately.contains(session)) else { continue }
            take.append(session)
            mine += 1
        }
        guard take.isEmpty, handingOver.isEmpty else { return }

        let others = counts.filter { $0.key != worker }
        let freeLeft = free.count
        var count = 0
        if mine > share {
            // Room the others have below their share, less what the free sessions will fill.
            let room = others.values.reduce(0) { $0 + max(0, share - $1) } - freeLeft
            count = min(mine - share, max(0, room))
        } else if mine > floor, freeLeft == 0, others.values.contains(where: { $0 < floor }) {
            let most = counts.values.max() ?? 0
            let firstOfMost = counts.filter { $0.value == most }.keys.min()
            if mine == most, firstOfMost == worker { count = 1 }
        }
        // The last in name order: which ones does not matter, only that the choice is stable.
        handOver = Array(held.subtracting(handingOver).sorted().suffix(count))
    }
}
