import Foundation
import Store

/// One campaign's messages as its session lanes take them: read from the database in batches by
/// whichever lane finds the queue empty, handed out so that no two lanes of this process get the
/// same message, and kept in mind until the lane has recorded, failed or given it back (its row
/// may still read `pending` or `sending` meanwhile, and a `sending` row no lease protects could
/// otherwise be claimed again by a sibling lane).
actor CampaignQueue {
    enum Next: Sendable {
        /// What is read and not yet handed out, in send order; the lane reserves what it takes.
        case messages([MessageRecord])
        /// Nothing to take now: look again after this many seconds (`pausable`: watching the
        /// control files meanwhile, as the campaign waits for others' messages or timed ones).
        case wait(seconds: Double, pausable: Bool)
        /// Something changed while the database was read: ask again at once.
        case again
        /// Nothing left: every message is recorded, failed or sent by another worker.
        case finished
    }

    private let database: SiaranDatabase
    private let campaign: String
    private let clock: any PipelineClock
    private let bestSendTime: Bool
    private let batchSize: Int
    private var unclaimed: [MessageRecord] = []
    private var handedOut: Set<String> = []
    private var position = SendQueuePosition()
    private var rewind = false
    /// Bumped whenever a lane hands messages back, so a look-up that overlapped it does not
    /// conclude the campaign is over.
    private var changes = 0
    private var lookUp: Task<Next, any Error>?
    private(set) var isFinished = false

    init(database: SiaranDatabase, campaign: String, clock: any PipelineClock, bestSendTime: Bool, batchSize: Int) {
        self.database = database
        self.campaign = campaign
        self.clock = clock
        self.bestSendTime = bestSendTime
        self.batchSize = batchSize
    }

    func next() async throws -> Next {
        if !unclaimed.isEmpty { return .messages(unclaimed) }
        if isFinished { return .finished }
        // One look-up at a time: the lanes that find the queue empty together share it.
        if let lookUp { return try await lookUp.value }
        let task = Task { try await self.readMore() }
        lookUp = task
        defer { lookUp = nil }
        return try await task.value
    }

    /// Takes the given messages for one lane; answers those no other lane took first.
    func reserve(_ ids: [String]) -> Set<String> {
        let wanted = Set(ids)
        let taken = Set(unclaimed.lazy.map(\.id).filter(wanted.contains))
        unclaimed.removeAll { taken.contains($0.id) }
        handedOut.formUnion(taken)
        return taken
    }

    /// The lane is done with these messages (recorded, failed, postponed or taken by another
    /// worker); `released` ones are `pending` again, behind the read position.
    func handBack(_ ids: [String], released: Bool = false) {
        guard !ids.isEmpty else { return }
        handedOut.subtract(ids)
        if released { rewind = true }
        changes += 1
    }

    /// Reads the next batch on top of what is not handed out yet, when a lane found nothing of
    /// its own in it (every contact there is left to the number that wrote to them last) and the
    /// queue holds less than `readAheadLimit`; false when nothing new was read.
    func readAhead() async throws -> Bool {
        guard !isFinished, lookUp == nil, !unclaimed.isEmpty, unclaimed.count < readAheadLimit else { return false }
        let task = Task<Next, any Error> {
            let rows = try await self.readBatch(now: self.clock.now())
            // The pending range wraps around to its start when it runs short: rows already here come again.
            let known = Set(self.unclaimed.map(\.id)).union(self.handedOut)
            let fresh = rows.filter { !known.contains($0.id) }
            self.unclaimed += fresh
            return fresh.isEmpty ? .again : .messages(fresh)
        }
        lookUp = task
        defer { lookUp = nil }
        if case .messages = try await task.value { return true }
        return false
    }

    /// The next batch from where the last one ended; the position moves past it.
    private func readBatch(now: Date) async throws -> [MessageRecord] {
        var reading = position
        let rows = try await database.nextMessages(of: campaign, now: now, limit: batchSize, position: &reading)
        position = reading
        return rows
    }

    /// At most this many messages read and not handed out (four batches).
    private var readAheadLimit: Int { 4 * batchSize }

    private func readMore() async throws -> Next {
        let started = changes
        if rewind {
            rewind = false
            position.claimsReleased()
        }
        let now = clock.now()
        let rows = try await readBatch(now: now)
        unclaimed = rows.filter { !handedOut.contains($0.id) }
        if !unclaimed.isEmpty { return .messages(unclaimed) }
        // Sibling lanes still hold messages: they record them, or give them back, soon.
        if !handedOut.isEmpty { return .wait(seconds: 0.05, pausable: false) }
        // Messages another worker has on the wire (or left there when it died): the campaign is
        // not over until they are recorded; a dead worker's are claimed and sent again.
        if try await database.sendingCount(of: campaign) > 0 {
            position.lookAtLeftoversAgain()
            return .wait(seconds: 1, pausable: true)
        }
        // Only retries that are not due yet, or messages waiting for their contact's best hour,
        // remain: wait for the first (looking at the control files meanwhile).
        let retry = try await database.nextRetry(of: campaign)
        let timed = bestSendTime ? try await database.nextSendTime(of: campaign) : nil
        guard changes == started else { return .again }
        guard retry != nil || timed != nil else {
            isFinished = true
            return .finished
        }
        let waits = [retry.map { min(5, $0.timeIntervalSince(now)) }, timed.map { min(30, $0.timeIntervalSince(now)) }].compactMap { $0 }
        return .wait(seconds: max(0.05, waits.min() ?? 5), pausable: timed != nil)
    }
}
