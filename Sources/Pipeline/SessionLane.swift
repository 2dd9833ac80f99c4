import Foundation
import Store
import Transport

/// One session's share of a campaign: takes the next messages this session may write to, claims
/// them under its lease, sends, records, and waits its own delay before the next. Caps, warm-up
/// and restrictions are this session's; the window, PAUSE/CANCEL and retries the campaign's.
struct SessionLane: Sendable {
    let sender: CampaignSender
    let session: String
    let media: MediaAttachment?
    let pacing: LanePacing

    private var context: PipelineContext { sender.context }

    func run() async throws -> CampaignSender.Outcome {
        let window = SendWindow()
        let outcome: CampaignSender.Outcome
        do {
            outcome = try await loop(window)
        } catch let error as StoreError where error.isTransient {
            // The database is away: recording would wait out its own timeout and fail too. Nothing
            // is lost: the claimed messages stay `sending` and go out again with their ids.
            throw error
        } catch {
            // Cancelled or failed mid-campaign: what is already on the wire is still recorded, and
            // what was claimed but never sent goes back to pending.
            try? await sender.settle(window, session: session)
            throw error
        }
        try await sender.settle(window, session: session)
        return outcome
    }

    /// What this session may take from the messages the queue offers.
    private struct Choice {
        var take: [MessageRecord] = []
        var optedOut: [MessageRecord] = []
        var postponed: [(message: MessageRecord, until: Date)] = []
        /// Messages left because this session is at its cold daily cap.
        var coldLimited = false
        /// Messages left to the number that wrote to their contact last (`SameNumber`).
        var leftToTheirNumber = 0
    }

    private func loop(_ window: SendWindow) async throws -> CampaignSender.Outcome {
        let sending = context.pipeline.sending
        let linkDates = LinkDates()
        var sentInBatch = 0
        var saidAtCap = false
        // Looks in a row that found only other numbers' contacts: the lane waits longer each time.
        var idleLooks = 0
        // The delay this session still owes: kept as a duration (a wall clock that jumps cannot
        // shorten it), slept before the next send, and never after the campaign's last one.
        var owed = try await gapOwedAtStart()
        func flush() async throws { try await sender.record(window) }

        while true {
            try Task.checkCancellation()
            if sender.stopRequested() { try await flush() }
            if let stop = try await sender.waitWhilePaused() { return stop }
            try await sender.waitForWindow()
            let sessions = await sender.sessionNames()
            sender.noticeSessions(sessions)
            // A logged-out, replaced or unacknowledged session hands its share to the others.
            guard await context.transport.isAvailable(session: session) else {
                try await flush()
                if await noneAvailable(sessions) { sender.sayNoSessionCanSend(sessions) }
                if await sender.queue.isFinished { return .completed }
                try await context.clock.sleep(seconds: 5)
                continue
            }
            let now = context.clock.now()
            let dailyCap = try await sender.dailyCap(for: session, now: now, linkDates: linkDates)
            let capped = sending.hourlyCap > 0 || dailyCap > 0
            if capped {
                // A cap counts recorded sends, so this lane's own go first.
                try await flush()
                if try await atCap(dailyCap: dailyCap, now: now) {
                    sender.sameNumber.setHeldUp(session, true)
                    if !saidAtCap {
                        saidAtCap = true
                        context.logger.notice("session is at its cap; waiting", metadata: ["campaign.id": "\(sender.campaign.id)", "session": "\(session)"])
                    }
                    try await context.clock.sleep(seconds: 60)
                    continue
                }
                saidAtCap = false
            }
            sender.sameNumber.setHeldUp(session, false)

            let candidates: [MessageRecord]
            switch try await sender.queue.next() {
            case .finished: return .completed
            case .again: continue
            case .wait(let seconds, let pausable):
                // What this lane has on the wire may be what the queue waits for.
                try await flush()
                if pausable, let stop = try await sender.waitWhilePaused() { return stop }
                try await context.clock.sleep(seconds: seconds)
                continue
            case .messages(let offered): candidates = offered
            }
            if owed > 0 {
                // Something is left to send: this session waits its delay first, then looks again
                // (pause, window, caps and the queue may have changed meanwhile).
                try await flush()
                try await context.clock.sleep(seconds: owed)
                owed = 0
                continue
            }

            // A capped session claims one at a time: its count must see every send recorded.
            let size = capped ? 1 : sender.claimSize(sentInBatch: sentInBatch, delayMaximum: pacing.delayMaximum)
            let choice = try await choose(from: candidates, size: size, sessions: sessions, window: window)
            let reserved = await sender.queue.reserve((choice.take + choice.optedOut + choice.postponed.map(\.message)).map(\.id))
            do {
                try await take(choice, reserved: reserved, window: window, owed: &owed, sentInBatch: &sentInBatch, idleLooks: &idleLooks)
            } catch is SessionLeaseLost {
                // Another worker took this session over while this one was frozen or late to beat.
                try await leaseLost(reserved: reserved, window: window)
                continue
            }
        }
    }

    /// Fails the opted-out, postpones what no session may send now, then claims, sends and
    /// records this lane's group; `SessionLeaseLost` when the session's lease is gone.
    private func take(_ choice: Choice, reserved: Set<String>, window: SendWindow, owed: inout Double, sentInBatch: inout Int,
                      idleLooks: inout Int) async throws {
        func flush() async throws { try await sender.record(window) }
        for message in choice.optedOut where reserved.contains(message.id) {
            if try await context.database.failUnsent(sender.claim(message.id, session: session), reason: "opted-out") {
                context.eventLog?.record(campaign: sender.campaign.id, phone: message.phone, messageID: message.id, status: "failed", reason: "opted-out", level: .error)
            }
            await sender.queue.handBack([message.id])
        }
        for (message, until) in choice.postponed where reserved.contains(message.id) {
            try await sender.waitForRestriction(message, until: until, session: session)
            await sender.queue.handBack([message.id])
        }
        var group = choice.take.filter { reserved.contains($0.id) }
        if group.isEmpty {
            // Taken by a sibling lane meanwhile, or settled above: look again at once.
            if !choice.take.isEmpty || !reserved.isEmpty { return }
            try await flush()
            if choice.coldLimited { sender.sameNumber.setHeldUp(session, true) }
            if choice.leftToTheirNumber > 0, !choice.coldLimited {
                // Everything offered waits for its own number: read further down the list, and
                // when the queue holds enough, wait for the other lanes (briefly at first: with
                // no delays they take their contacts within milliseconds).
                if try await sender.queue.readAhead() { return }
                idleLooks += 1
                try await context.clock.sleep(seconds: min(1, 0.01 * Double(1 << min(idleLooks, 7))))
                return
            }
            // Nothing offered is this session's to send now: the other sessions take it, or
            // everyone waits for a cap (as a session at its cap does).
            try await context.clock.sleep(seconds: choice.coldLimited ? 60 : 1)
            return
        }
        idleLooks = 0

        // Claimed (`sending`, with this session) in the same commit that records this lane's
        // previous sends, before any of them is written.
        let recorded = window.sent
        let claimed: Set<String>
        do {
            claimed = try await context.database.recordSent(recorded.map(\.message), thenClaim: group.map { sender.claim($0.id, session: session) })
        } catch let lost as SessionLeaseLost {
            // What was on the wire is recorded all the same; nothing was claimed.
            window.sent = []
            sender.logSent(recorded)
            await sender.queue.handBack(recorded.map(\.message.id))
            throw lost
        }
        window.sent = []
        sender.logSent(recorded)
        await sender.queue.handBack(recorded.map(\.message.id))
        // Another worker sending this campaign took (or sent) the others: they are not ours.
        await sender.queue.handBack(group.filter { !claimed.contains($0.id) }.map(\.id))
        group = group.filter { claimed.contains($0.id) }
        window.claimed = group.map(\.id)

        for (position, message) in group.enumerated() {
            // A pause or cancel between two messages of a group gives the rest back.
            if position > 0, sender.stopRequested() {
                try await flush()
                let released = window.claimed
                try await context.database.releaseClaims(released, session: session, fence: context.leaseFence?(session))
                window.claimed = []
                await sender.queue.handBack(released, released: true)
                break
            }
            window.claimed.removeFirst()
            try await sender.send(message, session: session, media: media, window: window)
            let sentAt = context.clock.now()
            if sender.shared.claimStatusTurn(now: sentAt) { try await writeStatus(window) }
            sentInBatch += 1
            if pacing.pausesInBatches, sentInBatch >= pacing.batchSize {
                sentInBatch = 0
                owed = pacing.batchPauseSeconds
            } else if pacing.delayMaximum > 0 {
                owed = pacing.randomDelay()
            }
            if owed > 0 {
                // Recorded before the wait, so caps and the other lanes see it; the next
                // campaign on this session (or the next lease holder) waits out the rest.
                try await flush()
                context.sessionPacing.sent(session, at: sentAt, gap: owed)
            }
        }
    }

    /// Another worker took this session over (this one was frozen or late to beat), seen at a
    /// claim, before a network write or when settling a message. Only this lane stops sending:
    /// thrown further, it held the whole campaign, the other sessions' lanes too, in a back-off of
    /// up to a minute. What is on the wire is recorded; what it claimed and did not write stays
    /// `sending`, for the new owner to send under the same ids: giving it back to `pending` here
    /// would be a write without the lease, racing the new owner's claim of the same rows. The lane
    /// waits as for a session that is away, and claims again only under a lease it holds.
    private func leaseLost(reserved: Set<String>, window: SendWindow) async throws {
        context.logger.debug("this worker's lease on the session ran out; its lane stops sending",
                               metadata: ["campaign.id": "\(sender.campaign.id)", "session": "\(session)"])
        try await sender.record(window)
        let unsent = window.claimed
        window.claimed = []
        await sender.queue.handBack(Array(reserved) + unsent)
        try await context.clock.sleep(seconds: 5)
    }

    /// What is left of this session's delay when the lane starts, after its last send by any
    /// campaign of this process, or (a session new to this process: just started, or taken over
    /// from another worker) its newest send in the database. A wall clock set back cannot stretch
    /// it beyond the longest gap.
    private func gapOwedAtStart() async throws -> Double {
        guard pacing.delayMaximum > 0 || pacing.pausesInBatches else { return 0 }
        let database = context.database, session = session
        let ready = try await context.sessionPacing.readyTime(of: session, gapAfterLoaded: pacing.randomDelay()) {
            try await database.lastSentAt(session: session)
        }
        guard let ready else { return 0 }
        return max(0, min(ready.timeIntervalSince(context.clock.now()), pacing.longestGap))
    }

    private func atCap(dailyCap: Int, now: Date) async throws -> Bool {
        let sending = context.pipeline.sending
        let hourly = sending.hourlyCap == 0 ? 0 : try await context.database.sentCount(session: session, since: now.addingTimeInterval(-3600))
        let daily = dailyCap == 0 ? 0 : try await context.database.sentCount(session: session, since: now.addingTimeInterval(-86_400))
        return (sending.hourlyCap > 0 && hourly >= sending.hourlyCap) || (dailyCap > 0 && daily >= dailyCap)
    }

    private func noneAvailable(_ sessions: [String]) async -> Bool {
        for other in sessions where await context.transport.isAvailable(session: other) { return false }
        return true
    }

    /// Picks, in send order, up to `size` messages this session may write to now; notes opted-out
    /// contacts (failed by whoever reserves them) and contacts every session is restricted for
    /// (postponed). A contact who wrote to another session that is restricted from new chats is
    /// left to that one: it is the only kind of contact it may still serve.
    private func choose(from candidates: [MessageRecord], size: Int, sessions: [String], window: SendWindow) async throws -> Choice {
        let sending = context.pipeline.sending
        let now = context.clock.now()
        let warmSince = sender.warmSince(now)
        let optedOut = sender.shared.optedOut
        let warm = sender.coldCapped ? sender.shared.warm : []
        var restrictedOthers: [String] = []
        for other in sessions where other != session {
            if let until = await context.transport.restrictedUntil(session: other), until > now,
               await context.transport.isAvailable(session: other) {
                restrictedOthers.append(other)
            }
        }
        var choice = Choice()
        var coldSent: Int?
        var others: [String: OtherNumber] = [:]
        for message in candidates where choice.take.count < size {
            if optedOut?.contains(message.phone) == true {
                choice.optedOut.append(message)
                continue
            }
            if try await leftToTheirNumber(message, sessions: sessions, now: now, warmSince: warmSince, others: &others) {
                choice.leftToTheirNumber += 1
                continue
            }
            if try await sender.restrictions.restriction(of: session, for: message.phone, now: now, warmSince: warmSince, context: context) != nil {
                if let until = try await sender.everyoneRestricted(for: message.phone, sessions: sessions) {
                    choice.postponed.append((message, until))
                }
                continue
            }
            if try await leftToRestricted(message.phone, restrictedOthers, now: now, warmSince: warmSince) { continue }
            if sender.coldCapped && !warm.contains(message.phone) {
                if coldSent == nil {
                    try await sender.record(window)
                    coldSent = try await context.database.coldSentCount(session: session, since: now.addingTimeInterval(-86_400), warmSince: warmSince)
                }
                if let coldSent, coldSent >= sending.coldDailyCap {
                    choice.coldLimited = true
                    continue
                }
                // The cold count must see this send before the next cold contact: one at a time.
                choice.take.append(message)
                break
            }
            choice.take.append(message)
        }
        return choice
    }

    /// Whether another session can send now, asked once per session and `choose` call (a lane
    /// may look past hundreds of other numbers' contacts).
    private enum OtherNumber { case cannotSend, sends, restricted }

    /// Whether `message` waits for the number that wrote to its contact last (`SameNumber`):
    /// another session of this campaign that can send it now, here or on another worker.
    private func leftToTheirNumber(_ message: MessageRecord, sessions: [String], now: Date, warmSince: Date,
                                   others: inout [String: OtherNumber]) async throws -> Bool {
        let rule = sender.sameNumber
        guard let owner = rule.lastSender(of: message.phone), owner != session else { return false }
        let state: OtherNumber
        if let known = others[owner] {
            state = known
        } else {
            state = try await otherNumber(owner, sessions: sessions, now: now)
            others[owner] = state
        }
        switch state {
        case .cannotSend: return false
        case .restricted:
            // Restricted from new chats: it may still write to contacts who wrote to it.
            if try await sender.restrictions.restriction(of: owner, for: message.phone, now: now, warmSince: warmSince, context: context) != nil {
                return false
            }
        case .sends: break
        }
        return rule.mayWait(message.id, now: now)
    }

    private func otherNumber(_ owner: String, sessions: [String], now: Date) async throws -> OtherNumber {
        guard sessions.contains(owner), !sender.sameNumber.isHeldUp(owner) else { return .cannotSend }
        if !(await context.transport.isAvailable(session: owner)) {
            // In a cluster its number may be connected by another worker.
            guard context.leaseFence != nil else { return .cannotSend }
            let database = context.database
            guard try await sender.sameNumber.leasedSessions(now: now, read: { try await database.sessionLeases() }).contains(owner) else {
                return .cannotSend
            }
        }
        if let until = await context.transport.restrictedUntil(session: owner), until > now { return .restricted }
        return .sends
    }

    private func leftToRestricted(_ phone: String, _ restricted: [String], now: Date, warmSince: Date) async throws -> Bool {
        for other in restricted {
            if try await sender.restrictions.restriction(of: other, for: phone, now: now, warmSince: warmSince, context: context) == nil { return true }
        }
        return false
    }

    /// The campaign's status, progress line and opt-out/warm lists, refreshed by one lane a second.
    private func writeStatus(_ window: SendWindow) async throws {
        try await sender.record(window)
        try await CampaignRunner(context: context).writeStatus(sender.campaign.id)
        try await TerminalProgress.show(campaign: sender.campaign, database: context.database)
        sender.shared.optedOut = try await context.database.suppressedNumbers()
        if sender.coldCapped {
            sender.shared.warm = try await context.database.warmPhones(since: sender.warmSince(context.clock.now()))
        }
    }
}
