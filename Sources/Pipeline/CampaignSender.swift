import Foundation
import Store
import Synchronization
import Transport

/// The send stage: one lane per session (`SessionLane.swift`), each with its own pacing, taking
/// the campaign's messages from one shared queue; honours control files, windows, caps and
/// opt-outs, and keeps every message's id through crashes (a row is marked `sending` before the
/// network write).
struct CampaignSender: Sendable {
    let context: PipelineContext
    let campaign: CampaignRecord
    let options: CampaignOptions

    enum Outcome: Equatable, Sendable { case completed, cancelled }

    /// Built once per campaign: time zone lookups are too slow for every message.
    let windowCalendar: Calendar
    /// Who may still be written to from a session WhatsApp restricted from new chats.
    let restrictions = RestrictedSessions()
    /// What the lanes share: opt-outs, warm contacts, the status cadence, the paused state.
    let shared = CampaignSendState()
    /// Who wrote last to each contact: the lanes leave a contact to that number while it can send.
    let sameNumber = SameNumber()
    let queue: CampaignQueue

    init(context: PipelineContext, campaign: CampaignRecord, options: CampaignOptions) {
        self.context = context
        self.campaign = campaign
        self.options = options
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: context.pipeline.sending.timeZone) ?? .current
        self.windowCalendar = calendar
        queue = CampaignQueue(database: context.database, campaign: campaign.id, clock: context.clock,
                              bestSendTime: options.bestSendTime == true, batchSize: Self.batchSize)
    }

    /// The campaign's `sessions:`, else the configured ones plus any the transport linked while
    /// running (a number added from the dashboard shares the sending at once).
    func sessionNames() async -> [String] {
        if let named = options.sessions, !named.isEmpty { return named }
        var names = context.sessions
        for extra in await context.transport.sessionNames() where !names.contains(extra) { names.append(extra) }
        return names.isEmpty ? ["utama"] : names
    }

    func run() async throws -> Outcome {
        if options.bestSendTime == true {
            // Planned once: messages with an hour are left alone on a restart.
            let planned = try await SendTimePlan.plan(context, campaign: campaign.id, now: context.clock.now())
            if planned > 0 {
                context.logger.info("send_time: best: \(planned) messages wait for their contact's best hour; the rest go in the campaign's order",
                                    metadata: ["campaign.id": "\(campaign.id)"])
            }
        }
        let sending = context.pipeline.sending
        shared.optedOut = try await context.database.suppressedNumbers()
        if coldCapped { shared.warm = try await context.database.warmPhones(since: warmSince(context.clock.now())) }
        try await sameNumber.load(campaign: campaign.id, database: context.database)
        try await context.database.setState(.sending, of: campaign.id)
        try await CampaignRunner(context: context).writeStatus(campaign.id)
        let media = try mediaAttachment()
        let pacing = LanePacing(delayMinimum: options.delayMinimum ?? sending.delayMinimum,
                                delayMaximum: options.delayMaximum ?? sending.delayMaximum,
                                batchSize: sending.batchSize, batchPauseSeconds: sending.batchPauseSeconds)
        return try await runLanes(media: media, pacing: pacing)
    }

    private enum LaneEnd: Sendable {
        case lane(Outcome)
        case sessionsLinked
    }

    /// Starts a lane for every session of the campaign, and for each one linked meanwhile (a lane
    /// that sees one says so: `noticeSessions`); ends when the lanes agree the queue is done, or
    /// one of them saw CANCEL (the others are then cancelled: each settles what it has on the
    /// wire and gives back what it claimed).
    private func runLanes(media: MediaAttachment?, pacing: LanePacing) async throws -> Outcome {
        let clock = context.clock
        return try await withThrowingTaskGroup(of: LaneEnd.self) { group in
            var running = 0
            func lane(_ session: String) -> @Sendable () async throws -> LaneEnd {
                { [self] in
                    do {
                        return .lane(try await clock.asSleeper { try await SessionLane(sender: self, session: session, media: media, pacing: pacing).run() })
                    } catch {
                        // Stopped by its siblings' end (and settled), not by whoever runs the campaign.
                        guard let ending = shared.ending else { throw error }
                        return .lane(ending)
                    }
                }
            }
            let watchForSessions: @Sendable () async throws -> LaneEnd = { [shared] in
                await shared.newSessions.wait()
                return .sessionsLinked
            }
            for session in await sessionNames() where shared.startLane(session) {
                clock.announceSleeper()
                group.addTask(operation: lane(session))
                running += 1
            }
            group.addTask(operation: watchForSessions)

            var outcome = Outcome.completed
            while running > 0, let end = try await group.next() {
                switch end {
                case .lane(let laneOutcome):
                    running -= 1
                    if shared.ending == nil {
                        shared.ending = laneOutcome
                        outcome = laneOutcome
                        // The queue is done (or the campaign cancelled): lanes still waiting for
                        // their session, a cap or a delay need not wait any longer.
                        group.cancelAll()
                    }
                case .sessionsLinked:
                    guard shared.ending == nil else { continue }
                    for session in await sessionNames() where shared.startLane(session) {
                        clock.announceSleeper()
                        group.addTask(operation: lane(session))
                        running += 1
                    }
                    group.addTask(operation: watchForSessions)
                }
            }
            group.cancelAll()
            return outcome
        }
    }

    /// Called by the lanes with the campaign's sessions as they are now: one without a lane yet
    /// (linked while the campaign runs) gets one.
    func noticeSessions(_ sessions: [String]) {
        if shared.lacksLane(sessions) { shared.newSessions.notice() }
    }

    /// Messages claimed together in one commit when they go out back to back (no delay, no caps).
    /// A kill -9 repeats at most the messages sent and not yet recorded, each with its own id,
    /// which the recipient's phone drops as a duplicate. With session state in the database (the
    /// cluster) each send records the ones before it (`SendsRidingAlong`): one per session; with
    /// session folders up to a group. 64 shares the claim's commit (`docs/performance/pipeline.md`).
    static let groupSize = 64
    /// Messages read per batch: whole groups, so no batch ends in a short group (an extra commit).
    static let batchSize = 4 * groupSize

    /// How many messages a lane's next commit may claim. With pacing every message waits seconds
    /// anyway, so one commit per message costs nothing and a crash repeats at most one per
    /// session. (A session under a cap also claims one at a time: see `SessionLane`.)
    func claimSize(sentInBatch: Int, delayMaximum: Double) -> Int {
        let sending = context.pipeline.sending
        if delayMaximum > 0 { return 1 }
        if sending.batchSize > 0, sending.batchPauseSeconds > 0 { return max(1, min(Self.groupSize, sending.batchSize - sentInBatch)) }
        return Self.groupSize
    }

    /// Cold contacts (no word from them within warm_days) have their own daily cap; a dry-run ignores it.
    var coldCapped: Bool { context.pipeline.sending.coldDailyCap > 0 && context.pipeline.sending.transport != .dryRun }

    /// Records what a lane sent and gives back what it claimed but did not send; both complete
    /// even when the task was cancelled. The log says "sent" only once the database does.
    func settle(_ window: SendWindow, session: String) async throws {
        let sent = window.sent, claimed = window.claimed
        window.sent = []
        window.claimed = []
        try await context.database.recordSentEvenIfCancelled(sent.map(\.message))
        logSent(sent)
        try await context.database.releaseClaims(claimed, session: session, fence: context.leaseFence?(session))
        await queue.handBack(sent.map(\.message.id))
        await queue.handBack(claimed, released: true)
    }

    /// Records a lane's sends on the wire (one commit), so counts and the next batch see them.
    func record(_ window: SendWindow) async throws {
        guard !window.sent.isEmpty else { return }
        let sent = window.sent
        try await context.database.recordSent(sent.map(\.message), thenClaim: [])
        window.sent = []
        logSent(sent)
        await queue.handBack(sent.map(\.message.id))
    }

    /// The first `count` sends of the window were recorded by a send's session-state transaction.
    private func forgetRecorded(_ window: SendWindow, count: Int) async {
        let recorded = Array(window.sent.prefix(count))
        window.sent.removeFirst(recorded.count)
        logSent(recorded)
        await queue.handBack(recorded.map(\.message.id))
    }

    func logSent(_ sent: [(message: SentMessage, phone: String)]) {
        for (message, phone) in sent {
            context.eventLog?.record(campaign: campaign.id, phone: phone, messageID: message.id, status: "sent", at: message.at)
        }
    }

    func stopRequested() -> Bool {
        context.control("CANCEL", of: campaign) || context.control("PAUSE", of: campaign) || context.pausedGlobally
    }

    /// The claim a lane of `session` makes, fails, postpones or gives up `id` under.
    func claim(_ id: String, session: String) -> MessageClaim {
        MessageClaim(id: id, session: session, fence: context.leaseFence?(session))
    }

    /// Writes one claimed message to the network and notes the outcome: a success waits in the
    /// window for the next commit; failures are recorded at once (they are rare), and only while
    /// the message is still this lane's (`SessionLeaseLost` when the session's lease is gone).
    func send(_ message: MessageRecord, session: String, media: MediaAttachment?, window: SendWindow) async throws {
        let sending = context.pipeline.sending
        // A worker frozen between its claim's commit and this write (SIGSTOP, a VM paused, a long
        // stall) may wake after its lease ran out and another worker took the session over: the
        // claim's fence was checked before the freeze, so the clock is asked again right before
        // the write. The message stays `sending`, for the new owner to send under its id.
        if let leaseValid = context.leaseValid, !leaseValid(session, context.clock.now()) {
            throw SessionLeaseLost(sessions: [session])
        }
        let outgoing = OutgoingMessage(id: message.id, phone: message.phone, text: message.text,
                                       media: media, session: session, campaignId: campaign.id, folder: campaign.folderName)
        let claim = claim(message.id, session: session)
        let started = ContinuousClock.now
        // This lane's earlier sends, not yet recorded, are recorded in this send's session-state
        // transaction where there is one (database storage), before its frame: a kill then
        // repeats at most the last message, not the rest of the group.
        let riding = window.sent.isEmpty ? nil : SendsRidingAlong(window.sent.map(\.message))
        let result = await SendsRidingAlong.$current.withValue(riding) { await context.transport.send(outgoing) }
        if let riding, riding.recorded { await forgetRecorded(window, count: riding.count) }
        PipelineMetrics.recordSend(session: session, result: result, took: ContinuousClock.now - started)
        switch result {
        case .sent(let at):
            window.sent.append((SentMessage(id: message.id, at: at), message.phone))
            return
        // Each outcome is noted only when the message was still this lane's to settle: one the
        // session's new owner sent or claimed again meanwhile is the new owner's to report.
        case .permanentFailure(let reason):
            if try await context.database.markFailed(claim, reason: reason) {
                context.eventLog?.record(campaign: campaign.id, phone: message.phone, messageID: message.id, status: "failed", reason: reason, level: .error)
            }
        case .deferred(let until, let reason):
            // The session may not start this chat now (restricted from new chats): the message goes
            // to another session, or waits, and the attempt is not spent.
            await restrictions.deferred(message.phone, by: session)
            if try await context.database.postpone(claim, until: context.clock.now(), reason: reason) {
                context.eventLog?.record(campaign: campaign.id, phone: message.phone, messageID: message.id, status: "retrying",
                                         reason: "\(reason): \(session) may not start new chats until \(until)", level: .warning)
            }
        case .transientFailure(let reason):
            if message.attempts + 1 >= sending.maxAttempts {
                let reason = "gave up after \(message.attempts + 1) attempts: \(reason)"
                if try await context.database.markFailed(claim, reason: reason) {
                    context.eventLog?.record(campaign: campaign.id, phone: message.phone, messageID: message.id, status: "failed", reason: reason, level: .error)
                }
            } else {
                let backoff = min(3600, 30 * pow(2, Double(message.attempts)))
                if try await context.database.markRetrying(claim, reason: reason, next: context.clock.now().addingTimeInterval(backoff)) {
                    context.eventLog?.record(campaign: campaign.id, phone: message.phone, messageID: message.id, status: "retrying", reason: reason, level: .warning)
                }
            }
        }
        await queue.handBack([message.id])
    }

    private func mediaAttachment() throws -> MediaAttachment? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: campaign.spoolPath)) ?? []
        let drop = Drop(name: campaign.name, kind: .folder, files: names.sorted().map { (campaign.spoolPath as NSString).appendingPathComponent($0) })
        guard let image = drop.imageFile else { return nil }
        // Prepared by the media stage; the cache hands back the same file (or remakes it if the
        // cache was cleared).
        return try CampaignMedia(context: context).prepared(image: image).attachment
    }

    /// Blocks while `PAUSE` (or `inbox/PAUSE-ALL`) exists; returns `.cancelled` on `CANCEL`. Every
    /// lane waits here; the first to see the pause says so, the first to see it end says that.
    func waitWhilePaused() async throws -> Outcome? {
        while true {
            if context.control("CANCEL", of: campaign) { return .cancelled }
            guard context.control("PAUSE", of: campaign) || context.pausedGlobally else { break }
            if shared.markPaused(true) {
                try await context.database.setState(.paused, of: campaign.id)
                try await CampaignRunner(context: context).writeStatus(campaign.id)
                context.logger.notice("campaign paused", metadata: ["campaign.id": "\(campaign.id)"])
            }
            try await context.clock.sleep(seconds: 0.2)
        }
        if shared.markPaused(false) {
            try await context.database.setState(.sending, of: campaign.id)
            try await CampaignRunner(context: context).writeStatus(campaign.id)
            context.logger.notice("campaign resumed", metadata: ["campaign.id": "\(campaign.id)"])
        }
        return nil
    }

    /// Sleeps until the sending window opens (in the configured time zone). Every lane waits
    /// here; the log says it once per closed window, not once per session.
    func waitForWindow() async throws {
        let sending = context.pipeline.sending
        if sending.window.startMinute == 0 && sending.window.endMinute == 1440 { return }
        let calendar = windowCalendar
        while true {
            let now = context.clock.now()
            let parts = calendar.dateComponents([.hour, .minute], from: now)
            let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
            if sending.window.contains(minuteOfDay: minute) {
                _ = shared.markOutsideWindow(false)
                return
            }
            if shared.markOutsideWindow(true) {
                context.logger.notice("outside the sending window \(sending.window) \(sending.timeZone); waiting", metadata: ["campaign.id": "\(campaign.id)"])
            }
            try await context.clock.sleep(seconds: 30)
        }
    }

    /// The daily cap for a session today: a newly linked number warms up through
    /// `sending.warmup` (one entry per day since linking) before the full daily cap applies.
    func dailyCap(for session: String, now: Date, linkDates: LinkDates) async throws -> Int {
        let sending = context.pipeline.sending
        guard !sending.warmUpDailyCaps.isEmpty, let linked = try await linkDates.linkedAt(session, now: now, database: context.database) else {
            return sending.dailyCap
        }
        let day = max(0, Int(now.timeIntervalSince(linked) / 86_400))
        guard day < sending.warmUpDailyCaps.count else { return sending.dailyCap }
        let warmUp = sending.warmUpDailyCaps[day]
        return sending.dailyCap == 0 ? warmUp : min(warmUp, sending.dailyCap)
    }

    /// Contacts who wrote to us since this time are warm.
    func warmSince(_ now: Date) -> Date { now.addingTimeInterval(-Double(context.pipeline.sending.warmDays) * 86_400) }

    /// When every available session of the campaign is restricted from new chats for `phone`,
    /// the first time one of them may write to it; nil when one may now.
    func everyoneRestricted(for phone: String, sessions: [String]) async throws -> Date? {
        let now = context.clock.now()
        var earliest: Date?
        for session in sessions where await context.transport.isAvailable(session: session) {
            guard let until = try await restrictions.restriction(of: session, for: phone, now: now, warmSince: warmSince(now), context: context) else {
                return nil
            }
            earliest = min(earliest ?? until, until)
        }
        return earliest
    }

    /// A contact no session may write to now waits, without failing and without spending an
    /// attempt, until the first restriction ends; the campaign's status says why.
    func waitForRestriction(_ message: MessageRecord, until: Date, session: String) async throws {
        guard try await context.database.postpone(claim(message.id, session: session), until: until, reason: "restricted") else { return }
        context.eventLog?.record(campaign: campaign.id, phone: message.phone, messageID: message.id, status: "retrying",
                                 reason: "restricted: every number of this campaign may not start new chats until \(until)", level: .warning)
        if await restrictions.shouldSayWaiting(until: until) {
            context.logger.warning("every session of this campaign is restricted from new chats; contacts who never wrote to them wait",
                                   metadata: ["campaign.id": "\(campaign.id)", "until": "\(until)"])
            CampaignStatus.markWaiting(in: context.campaignOutbox(campaign),
                                       reason: "every WhatsApp number of this campaign is restricted from starting new chats until \(until); new contacts wait, people who wrote to a number still get it",
                                       now: context.clock.now())
        }
    }

    /// Said once every 30 seconds whichever lane notices: no session of the campaign can send.
    func sayNoSessionCanSend(_ sessions: [String]) {
        guard shared.shouldSayNoSession(now: context.clock.now()) else { return }
        context.logger.warning("no session of this campaign can send now (not linked, logged out or not acknowledged); waiting",
                               metadata: ["campaign.id": "\(campaign.id)", "sessions": "\(sessions.joined(separator: ","))"])
        // Said where the campaign is watched too; the next regular write, after a send, clears it.
        CampaignStatus.markWaiting(in: context.campaignOutbox(campaign),
                                   reason: "no WhatsApp session can send now (\(sessions.joined(separator: ", ")): not connected, logged out or not acknowledged",
                                   now: context.clock.now())
    }
}

/// What a lane has on the wire but not yet recorded, and what it claimed but not yet sent.
/// Only its lane's task touches it; a class so the lane can settle it after an error.
final class SendWindow {
    var sent: [(message: SentMessage, phone: String)] = []
    var claimed: [String] = []
}

/// The delays of one campaign, as its lanes apply them per session.
struct LanePacing: Sendable {
    var delayMinimum: Double
    var delayMaximum: Double
    var batchSize: Int
    var batchPauseSeconds: Double

    var pausesInBatches: Bool { batchSize > 0 && batchPauseSeconds > 0 }
    /// The longest a session may have to wait: a wall clock set back cannot stretch it further.
    var longestGap: Double { max(delayMaximum, pausesInBatches ? batchPauseSeconds : 0) }
    func randomDelay() -> Double { delayMaximum > 0 ? Double.random(in: delayMinimum...max(delayMinimum, delayMaximum)) : 0 }
}

/// What the lanes of one campaign share; each field behind one lock.
final class CampaignSendState: Sendable {
    private struct State {
        var optedOut: SuppressedNumbers?
        var warm: Set<String> = []
        var lastStatus = Date.distantPast
        var paused = false
        var outsideWindow = false
        var noSessionSaidAt: Date?
        var ending: CampaignSender.Outcome?
        var lanes: Set<String> = []
    }
    private let state = Mutex(State())
    /// Wakes the task that starts lanes when a session without one appears.
    let newSessions = SessionWatch()

    /// True when `session` had no lane yet (it has one now).
    func startLane(_ session: String) -> Bool { state.withLock { $0.lanes.insert(session).inserted } }

    func lacksLane(_ sessions: [String]) -> Bool {
        state.withLock { state in sessions.contains { !state.lanes.contains($0) } }
    }

    var optedOut: SuppressedNumbers? {
        get { state.withLock { $0.optedOut } }
        set { state.withLock { $0.optedOut = newValue } }
    }
    var warm: Set<String> {
        get { state.withLock { $0.warm } }
        set { state.withLock { $0.warm = newValue } }
    }
    /// How the campaign's lanes ended, once the first of them did.
    var ending: CampaignSender.Outcome? {
        get { state.withLock { $0.ending } }
        set { state.withLock { $0.ending = newValue } }
    }

    /// True for the one lane that should write the status now (at most once a second).
    func claimStatusTurn(now: Date) -> Bool {
        state.withLock { state in
            guard now.timeIntervalSince(state.lastStatus) >= 1 else { return false }
            state.lastStatus = now
            return true
        }
    }

    /// Moves the paused state; true when this call changed it (that lane says so).
    func markPaused(_ paused: Bool) -> Bool {
        state.withLock { state in
            guard state.paused != paused else { return false }
            state.paused = paused
            return true
        }
    }

    /// Moves the outside-the-window state; true when this call changed it.
    func markOutsideWindow(_ outside: Bool) -> Bool {
        state.withLock { state in
            guard state.outsideWindow != outside else { return false }
            state.outsideWindow = outside
            return true
        }
    }

    func shouldSayNoSession(now: Date) -> Bool {
        state.withLock { state in
            if let said = state.noSessionSaidAt, abs(now.timeIntervalSince(said)) < 30 { return false }
            state.noSessionSaidAt = now
            return true
        }
    }
}

/// Sessions WhatsApp restricted from starting new chats, as the lanes see them: the transport
/// says until when; the contacts who wrote to such a session within `warm_days` may still get
/// messages from it (read from the database at most every 30 seconds per session); a session
/// that held a message back itself (it lacks that contact's privacy token) is not offered that
/// contact again while restricted.
actor RestrictedSessions {
    private var warm: [String: (phones: Set<String>, readAt: Date)] = [:]
    private var heldBack: [String: Set<String>] = [:]
    private var saidWaitingUntil: Date?

    /// Until when `session` may not write to `phone`; nil when it may.
    func restriction(of session: String, for phone: String, now: Date, warmSince: Date, context: PipelineContext) async throws -> Date? {
        guard let until = await context.transport.restrictedUntil(session: session), until > now else {
            heldBack[session] = nil
            return nil
        }
        if heldBack[session]?.contains(phone) == true { return until }
        if warm[session] == nil || abs(now.timeIntervalSince(warm[session]!.readAt)) >= 30 {
            let phones = try await context.database.warmPhones(session: session, since: warmSince)
            warm[session] = (phones, now)
        }
        return warm[session]!.phones.contains(phone) ? nil : until
    }

    func deferred(_ phone: String, by session: String) {
        heldBack[session, default: []].insert(phone)
    }

    /// Once per restriction end: the log and status say it once, not for every waiting contact.
    func shouldSayWaiting(until: Date) -> Bool {
        guard saidWaitingUntil != until else { return false }
        saidWaitingUntil = until
        return true
    }
}

/// Link dates read from the database at most every 30 seconds per session: back to back, asking
/// before every message cost a query per message, and a number linked or relinked meanwhile is
/// still seen within half a minute. Only its lane's task uses it.
final class LinkDates {
    private var entries: [String: (linked: Date?, readAt: Date)] = [:]

    func linkedAt(_ session: String, now: Date, database: SiaranDatabase) async throws -> Date? {
        if let entry = entries[session], abs(now.timeIntervalSince(entry.readAt)) < 30 { return entry.linked }
        let linked = try await database.linkedAt(session: session)
        entries[session] = (linked, now)
        return linked
    }
}

/// One waiter (the task that starts lanes) woken when a lane notices a session without a lane;
/// a notice with nobody waiting is kept for the next wait. Not a clock sleep: it never holds a
/// virtual test clock back, and the group's end cancels it.
final class SessionWatch: Sendable {
    private struct State {
        var waiter: CheckedContinuation<Void, Never>?
        var noticed = false
        var cancelled = false
    }
    private let state = Mutex(State())

    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.noticed || state.cancelled {
                        state.noticed = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.cancelled = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }

    func notice() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.noticed = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }
}
