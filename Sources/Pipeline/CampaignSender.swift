import Foundation
import Store
import Transport

/// The send stage: paces, honours control files, windows, caps and opt-outs, and keeps every
/// message's id through crashes (a row is marked `sending` before the network write).
struct CampaignSender {
    let context: PipelineContext
    let campaign: CampaignRecord
    let options: CampaignOptions

    enum Outcome: Equatable { case completed, cancelled }

    /// Built once per campaign: time zone lookups are too slow for every message.
    let windowCalendar: Calendar
    /// When each session was linked, for its warm-up; asked before every message.
    private let linkDates = LinkDates()
    /// Who may still be written to from a session WhatsApp restricted from new chats.
    private let restrictions = RestrictedSessions()

    init(context: PipelineContext, campaign: CampaignRecord, options: CampaignOptions) {
        self.context = context
        self.campaign = campaign
        self.options = options
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: context.pipeline.sending.timeZone) ?? .current
        self.windowCalendar = calendar
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
        let window = SendWindow()
        let outcome: Outcome
        do {
            outcome = try await sendLoop(window)
        } catch let error as StoreError where error.isTransient {
            // The database is away: recording would wait out its own timeout and fail too. Nothing
            // is lost: the claimed messages stay `sending` and go out again with their ids.
            throw error
        } catch {
            // Cancelled or failed mid-campaign: what is already on the wire is still recorded, and
            // what was claimed but never sent goes back to pending.
            try? await settle(window)
            throw error
        }
        try await settle(window)
        return outcome
    }

    /// Messages claimed together in one commit when they go out back to back (no delay, no caps).
    /// A kill -9 repeats at most the messages claimed and not yet recorded, each with its own id,
    /// which the recipient's phone drops as a duplicate; 64 keeps that small while the commit's
    /// cost is shared (measured in `docs/performance/pipeline.md`).
    static let groupSize = 64
    /// Messages read per batch: whole groups, so no batch ends in a short group (an extra commit).
    static let batchSize = 4 * groupSize

    /// How many messages the next commit may claim. With pacing every message waits seconds
    /// anyway, so one commit per message costs nothing and a crash repeats at most one. (A session
    /// under a cap also ends its group: see `nextSession`.)
    func claimSize(sentInBatch: Int, delayMaximum: Double) -> Int {
        let sending = context.pipeline.sending
        if delayMaximum > 0 { return 1 }
        if sending.batchSize > 0, sending.batchPauseSeconds > 0 { return max(1, min(Self.groupSize, sending.batchSize - sentInBatch)) }
        return Self.groupSize
    }

    /// What the loop has on the wire but not yet recorded, and what it claimed but not yet sent.
    /// Only the send loop's task touches it; a class so `run()` can settle it after an error.
    private final class SendWindow {
        var sent: [(message: SentMessage, phone: String)] = []
        var claimed: [String] = []
    }

    /// Records what was sent and gives back what was claimed but not sent; both complete even when
    /// the task was cancelled. The log says "sent" only once the database does.
    private func settle(_ window: SendWindow) async throws {
        let sent = window.sent, claimed = window.claimed
        window.sent = []
        window.claimed = []
        try await context.database.recordSentEvenIfCancelled(sent.map(\.message))
        logSent(sent)
        try await context.database.releaseClaims(claimed)
    }

    /// Records the sends on the wire (one commit), so counts and the next batch see them.
    private func record(_ window: SendWindow) async throws {
        guard !window.sent.isEmpty else { return }
        let sent = window.sent
        try await context.database.recordSent(sent.map(\.message), thenClaim: [])
        window.sent = []
        logSent(sent)
    }

    private func logSent(_ sent: [(message: SentMessage, phone: String)]) {
        for (message, phone) in sent {
            context.eventLog?.record(campaign: campaign.id, phone: phone, messageID: message.id, status: "sent", at: message.at)
        }
    }

    private func stopRequested() -> Bool {
        context.control("CANCEL", of: campaign) || context.control("PAUSE", of: campaign) || context.pausedGlobally
    }

    private func sendLoop(_ window: SendWindow) async throws -> Outcome {
        let sending = context.pipeline.sending
        let delayMin = options.delayMinimum ?? sending.delayMinimum
        let delayMax = options.delayMaximum ?? sending.delayMaximum
        let runner = CampaignRunner(context: context)
        var optedOut = try await context.database.suppressedNumbers()
        // Cold contacts (no word from them within warm_days) have their own daily cap; a dry-run ignores it.
        let coldCapped = sending.coldDailyCap > 0 && sending.transport != .dryRun
        var warm = coldCapped ? try await context.database.warmPhones(since: warmSince(context.clock.now())) : []
        var sessionIndex = 0
        var sentInBatch = 0
        var lastStatus = Date.distantPast
        var queuePosition = SendQueuePosition()
        func flush() async throws { try await record(window) }
        let media = try mediaAttachment()
        try await context.database.setState(.sending, of: campaign.id)
        try await runner.writeStatus(campaign.id)

        while true {
            try Task.checkCancellation()
            let now = context.clock.now()
            try await flush()  // the next batch must not see the last sent messages as still `sending`
            let batch = try await context.database.nextMessages(of: campaign.id, now: now, limit: Self.batchSize, position: &queuePosition)
            if batch.isEmpty {
                // Messages another worker has on the wire (or left there when it died): the campaign
                // is not over until they are recorded; a dead worker's are claimed and sent again.
                if try await context.database.sendingCount(of: campaign.id) > 0 {
                    queuePosition.lookAtLeftoversAgain()
                    if let stop = try await waitWhilePaused() { return stop }
                    try await context.clock.sleep(seconds: 1)
                    continue
                }
                // Only retries that are not due yet, or messages waiting for their contact's best
                // hour, remain: wait for the first (looking at the control files meanwhile).
                let retry = try await context.database.nextRetry(of: campaign.id)
                let timed = options.bestSendTime == true ? try await context.database.nextSendTime(of: campaign.id) : nil
                guard retry != nil || timed != nil else { return .completed }
                if timed != nil, let stop = try await waitWhilePaused() { return stop }
                let waits = [retry.map { min(5, $0.timeIntervalSince(now)) }, timed.map { min(30, $0.timeIntervalSince(now)) }].compactMap { $0 }
                try await context.clock.sleep(seconds: max(0.05, waits.min() ?? 5))
                continue
            }
            var queue = batch[...]
            while !queue.isEmpty {
                if stopRequested() { try await flush() }
                if let stop = try await waitWhilePaused() { return stop }
                try await waitForWindow()

                // Claim the next group: its messages are `sending`, with their sessions, in the same
                // commit that records the previous group's sends, before any of them is written.
                var group: [(message: MessageRecord, session: String)] = []
                let size = claimSize(sentInBatch: sentInBatch, delayMaximum: delayMax)
                claiming: while group.count < size, let message = queue.popFirst() {
                    if optedOut.contains(message.phone) {
                        try await context.database.markFailed(message.id, reason: "opted-out")
                        context.eventLog?.record(campaign: campaign.id, phone: message.phone, messageID: message.id, status: "failed", reason: "opted-out", level: .error)
                        continue
                    }
                    switch try await nextSession(from: &sessionIndex, window: window, phone: message.phone,
                                                 cold: coldCapped && !warm.contains(message.phone)) {
                    case .session(let session, let capped):
                        group.append((message, session))
                        // A cap counts recorded sends before each message, so a capped session claims one at a time.
                        if capped { break claiming }
                    case .restricted(let until):
                        try await waitForRestriction(message, until: until)
                    }
                }
                guard !group.isEmpty else { continue }
                let recorded = window.sent
                let claimed = try await context.database.recordSent(recorded.map(\.message), thenClaim: group.map {
                    MessageClaim(id: $0.message.id, session: $0.session, fence: context.leaseFence?($0.session))
                })
                // Another worker sending this campaign took (or sent) the others: they are not ours.
                group = group.filter { claimed.contains($0.message.id) }
                window.sent = []
                window.claimed = group.map(\.message.id)
                logSent(recorded)

                for (position, (message, session)) in group.enumerated() {
                    // A pause or cancel between two messages of a group gives the rest back.
                    if position > 0, stopRequested() {
                        try await flush()
                        try await context.database.releaseClaims(window.claimed)
                        window.claimed = []
                        queuePosition.claimsReleased()
                        break
                    }
                    window.claimed.removeFirst()
                    try await send(message, session: session, media: media, window: window)
                    if context.clock.now().timeIntervalSince(lastStatus) >= 1 {
                        try await flush()
                        try await runner.writeStatus(campaign.id)
                        try await TerminalProgress.show(campaign: campaign, database: context.database)
                        lastStatus = context.clock.now()
                        optedOut = try await context.database.suppressedNumbers()
                        if coldCapped { warm = try await context.database.warmPhones(since: warmSince(context.clock.now())) }
                    }
                    sentInBatch += 1
                    if sending.batchSize > 0, sentInBatch >= sending.batchSize, sending.batchPauseSeconds > 0 {
                        sentInBatch = 0
                        try await flush()
                        try await context.clock.sleep(seconds: sending.batchPauseSeconds)
                    } else if delayMax > 0 {
                        try await context.clock.sleep(seconds: Double.random(in: delayMin...delayMax))
                    }
                }
            }
        }
    }

    /// Writes one claimed message to the network and notes the outcome: a success waits in the
    /// window for the next commit; failures are recorded at once (they are rare).
    private func send(_ message: MessageRecord, session: String, media: MediaAttachment?, window: SendWindow) async throws {
        let sending = context.pipeline.sending
        let outgoing = OutgoingMessage(id: message.id, phone: message.phone, text: message.text,
                                       media: media, session: session, campaignId: campaign.id, folder: campaign.folderName)
        let started = ContinuousClock.now
        let result = await context.transport.send(outgoing)
        PipelineMetrics.recordSend(session: session, result: result, took: ContinuousClock.now - started)
        switch result {
        case .sent(let at):
            window.sent.append((SentMessage(id: message.id, at: at), message.phone))
        case .permanentFailure(let reason):
            try await context.database.markFailed(message.id, reason: reason)
            context.eventLog?.record(campaign: campaign.id, phone: message.phone, messageID: message.id, status: "failed", reason: reason, level: .error)
        case .deferred(let until, let reason):
            // The session may not start this chat now (restricted from new chats): the message goes
            // to another session, or waits, and the attempt is not spent.
            restrictions.deferred(message.phone, by: session)
            try await context.database.postpone(message.id, until: context.clock.now(), reason: reason)
            context.eventLog?.record(campaign: campaign.id, phone: message.phone, messageID: message.id, status: "retrying",
                                     reason: "\(reason): \(session) may not start new chats until \(until)", level: .warning)
        case .transientFailure(let reason):
            if message.attempts + 1 >= sending.maxAttempts {
                try await context.database.markFailed(message.id, reason: "gave up after \(message.attempts + 1) attempts: \(reason)")
                context.eventLog?.record(campaign: campaign.id, phone: message.phone, messageID: message.id, status: "failed",
                                         reason: "gave up after \(message.attempts + 1) attempts: \(reason)", level: .error)
            } else {
                let backoff = min(3600, 30 * pow(2, Double(message.attempts)))
                try await context.database.markRetrying(message.id, reason: reason, next: context.clock.now().addingTimeInterval(backoff))
                context.eventLog?.record(campaign: campaign.id, phone: message.phone, messageID: message.id, status: "retrying", reason: reason, level: .warning)
            }
        }
    }

    private func mediaAttachment() throws -> MediaAttachment? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: campaign.spoolPath)) ?? []
        let drop = Drop(name: campaign.name, kind: .folder, files: names.sorted().map { (campaign.spoolPath as NSString).appendingPathComponent($0) })
        guard let image = drop.imageFile else { return nil }
        // Prepared by the media stage; the cache hands back the same file (or remakes it if the
        // cache was cleared).
        return try CampaignMedia(context: context).prepared(image: image).attachment
    }

    /// Blocks while `PAUSE` (or `inbox/PAUSE-ALL`) exists; returns `.cancelled` on `CANCEL`.
    private func waitWhilePaused() async throws -> Outcome? {
        var paused = false
        while true {
            if context.control("CANCEL", of: campaign) { return .cancelled }
            guard context.control("PAUSE", of: campaign) || context.pausedGlobally else { break }
            if !paused {
                paused = true
                try await context.database.setState(.paused, of: campaign.id)
                try await CampaignRunner(context: context).writeStatus(campaign.id)
                context.logger.notice("campaign paused", metadata: ["campaign.id": "\(campaign.id)"])
            }
            try await context.clock.sleep(seconds: 0.2)
        }
        if paused {
            try await context.database.setState(.sending, of: campaign.id)
            try await CampaignRunner(context: context).writeStatus(campaign.id)
            context.logger.notice("campaign resumed", metadata: ["campaign.id": "\(campaign.id)"])
        }
        return nil
    }

    /// Sleeps until the sending window opens (in the configured time zone).
    private func waitForWindow() async throws {
        let sending = context.pipeline.sending
        if sending.window.startMinute == 0 && sending.window.endMinute == 1440 { return }
        let calendar = windowCalendar
        var told = false
        while true {
            let now = context.clock.now()
            let parts = calendar.dateComponents([.hour, .minute], from: now)
            let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
            if sending.window.contains(minuteOfDay: minute) { return }
            if !told {
                told = true
                context.logger.notice("outside the sending window \(sending.window) \(sending.timeZone); waiting", metadata: ["campaign.id": "\(campaign.id)"])
            }
            try await context.clock.sleep(seconds: 30)
        }
    }

    /// The daily cap for a session today: a newly linked number warms up through
    /// `sending.warmup` (one entry per day since linking) before the full daily cap applies.
    private func dailyCap(for session: String, now: Date) async throws -> Int {
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
    private func warmSince(_ now: Date) -> Date { now.addingTimeInterval(-Double(context.pipeline.sending.warmDays) * 86_400) }

    /// Where the next message goes: a session, or nowhere until a restriction ends.
    enum Route: Equatable {
        case session(String, capped: Bool)
        /// Every session that can send is restricted from new chats and this contact never wrote to it.
        case restricted(until: Date)
    }

    /// Round robin over the campaign's sessions, skipping those at their hourly or daily cap (and,
    /// for a `cold` contact, at the cold daily cap), and those WhatsApp restricted from new chats
    /// unless `phone` wrote to them within `warm_days`; waits when all are capped. Answers whether
    /// a cap applies to the chosen session (its count must then see every send recorded, so the
    /// window is recorded first), or until when the contact must wait when only restricted
    /// sessions could send.
    private func nextSession(from index: inout Int, window: SendWindow, phone: String, cold: Bool = false) async throws -> Route {
        let sending = context.pipeline.sending
        while true {
            let sessions = await sessionNames()
            var available = 0
            var restrictedUntil: Date?
            for offset in 0..<sessions.count {
                let session = sessions[(index + offset) % sessions.count]
                // A logged-out, replaced or unacknowledged session hands its share to the others.
                guard await context.transport.isAvailable(session: session) else { continue }
                available += 1
                let now = context.clock.now()
                if let until = try await restrictions.restriction(of: session, for: phone, now: now, warmSince: warmSince(now), context: context) {
                    restrictedUntil = min(restrictedUntil ?? until, until)
                    continue
                }
                let dailyCap = try await dailyCap(for: session, now: now)
                let capped = sending.hourlyCap > 0 || dailyCap > 0 || cold
                if capped { try await record(window) }
                let hourly = sending.hourlyCap == 0 ? 0 : try await context.database.sentCount(session: session, since: now.addingTimeInterval(-3600))
                let daily = dailyCap == 0 ? 0 : try await context.database.sentCount(session: session, since: now.addingTimeInterval(-86_400))
                let coldSent = cold ? try await context.database.coldSentCount(session: session, since: now.addingTimeInterval(-86_400),
                                                                               warmSince: warmSince(now)) : 0
                if (sending.hourlyCap == 0 || hourly < sending.hourlyCap) && (dailyCap == 0 || daily < dailyCap)
                    && (!cold || coldSent < sending.coldDailyCap) {
                    index = (index + offset + 1) % sessions.count
                    return .session(session, capped: capped)
                }
            }
            if available == 0 {
                context.logger.warning("no session of this campaign can send now (not linked, logged out or not acknowledged); waiting",
                                       metadata: ["campaign.id": "\(campaign.id)", "sessions": "\(sessions.joined(separator: ","))"])
                // Said where the campaign is watched too; the next regular write, after a send, clears it.
                CampaignStatus.markWaiting(in: context.campaignOutbox(campaign),
                                           reason: "no WhatsApp session can send now (\(sessions.joined(separator: ", ")): not connected, logged out or not acknowledged",
                                           now: context.clock.now())
                try await context.clock.sleep(seconds: 30)
                continue
            }
            // Only restricted sessions could take this contact: it waits for the first to be free.
            if let restrictedUntil, try await allRestricted(sessions, phone: phone) { return .restricted(until: restrictedUntil) }
            context.logger.notice("every session is at its cap; waiting", metadata: ["campaign.id": "\(campaign.id)"])
            try await context.clock.sleep(seconds: 60)
        }
    }

    /// Whether every available session is restricted for `phone` (rather than some merely at a cap).
    private func allRestricted(_ sessions: [String], phone: String) async throws -> Bool {
        let now = context.clock.now()
        for session in sessions where await context.transport.isAvailable(session: session) {
            if try await restrictions.restriction(of: session, for: phone, now: now, warmSince: warmSince(now), context: context) == nil { return false }
        }
        return true
    }

    /// A contact no session may write to now waits, without failing and without spending an
    /// attempt, until the first restriction ends; the campaign's status says why.
    private func waitForRestriction(_ message: MessageRecord, until: Date) async throws {
        try await context.database.postpone(message.id, until: until, reason: "restricted")
        context.eventLog?.record(campaign: campaign.id, phone: message.phone, messageID: message.id, status: "retrying",
                                 reason: "restricted: every number of this campaign may not start new chats until \(until)", level: .warning)
        if restrictions.shouldSayWaiting(until: until) {
            context.logger.warning("every session of this campaign is restricted from new chats; contacts who never wrote to them wait",
                                   metadata: ["campaign.id": "\(campaign.id)", "until": "\(until)"])
            CampaignStatus.markWaiting(in: context.campaignOutbox(campaign),
                                       reason: "every WhatsApp number of this campaign is restricted from starting new chats until \(until); new contacts wait, people who wrote to a number still get it",
                                       now: context.clock.now())
        }
    }
}

/// Sessions WhatsApp restricted from starting new chats, as the send loop sees them: the
/// transport says until when; the contacts who wrote to such a session within `warm_days` may
/// still get messages from it (read from the database at most every 30 seconds per session);
/// a session that held a message back itself (it lacks that contact's privacy token) is not
/// offered that contact again while restricted. Only the send loop's task uses it.
private final class RestrictedSessions {
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
            warm[session] = (try await context.database.warmPhones(session: session, since: warmSince), now)
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
/// still seen within half a minute. Only the send loop's task uses it.
private final class LinkDates {
    private var entries: [String: (linked: Date?, readAt: Date)] = [:]

    func linkedAt(_ session: String, now: Date, database: SiaranDatabase) async throws -> Date? {
        if let entry = entries[session], abs(now.timeIntervalSince(entry.readAt)) < 30 { return entry.linked }
        let linked = try await database.linkedAt(session: session)
        entries[session] = (linked, now)
        return linked
    }
}
