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
        let unrecorded = UnrecordedSend()
        let outcome: Outcome
        do {
            outcome = try await sendLoop(unrecorded)
        } catch {
            // Cancelled or failed mid-campaign: the message already on the wire is still recorded.
            if let sent = unrecorded.value { try? await context.database.markSentEvenIfCancelled(sent.id, at: sent.at) }
            throw error
        }
        if let sent = unrecorded.value { try await context.database.markSentEvenIfCancelled(sent.id, at: sent.at) }
        return outcome
    }

    /// The last successful send, recorded together with the next `sending` mark (one commit per
    /// message); flushed before anything that reads counts or waits.
    private final class UnrecordedSend {
        var value: (id: String, at: Date)?
    }

    private func sendLoop(_ unrecorded: UnrecordedSend) async throws -> Outcome {
        let sending = context.pipeline.sending
        let delayMin = options.delayMinimum ?? sending.delayMinimum
        let delayMax = options.delayMaximum ?? sending.delayMaximum
        let runner = CampaignRunner(context: context)
        var optedOut = try await context.database.optedOutPhones()
        var sessionIndex = 0
        var sentInBatch = 0
        var lastStatus = Date.distantPast
        func flush() async throws {
            if let sent = unrecorded.value {
                try await context.database.markSent(sent.id, at: sent.at)
                unrecorded.value = nil
            }
        }
        let media = try mediaAttachment()
        try await context.database.setState(.sending, of: campaign.id)
        try await runner.writeStatus(campaign.id)

        while true {
            try Task.checkCancellation()
            let now = context.clock.now()
            try await flush()  // the next batch must not see the last sent message as still `sending`
            let batch = try await context.database.nextMessages(of: campaign.id, now: now, limit: 200)
            if batch.isEmpty {
                try await flush()
                // Only retries that are not due yet remain: wait for the first.
                guard let next = try await context.database.nextRetry(of: campaign.id) else { return .completed }
                try await context.clock.sleep(seconds: max(0.05, min(5, next.timeIntervalSince(now))))
                continue
            }
            for message in batch {
                if context.control("CANCEL", of: campaign) || context.control("PAUSE", of: campaign) || context.pausedGlobally {
                    try await flush()
                }
                if let stop = try await waitWhilePaused() { return stop }
                try await waitForWindow()
                if optedOut.contains(message.phone) {
                    try await context.database.markFailed(message.id, reason: "opted-out")
                    context.eventLog?.record(campaign: campaign.id, phone: message.phone, messageID: message.id, status: "failed", reason: "opted-out", level: .error)
                    continue
                }
                if sending.hourlyCap > 0 || sending.dailyCap > 0 { try await flush() }  // caps count recorded sends
                let session = try await nextSession(from: &sessionIndex)
                try await context.database.markSending(message.id, session: session, afterSent: unrecorded.value)
                unrecorded.value = nil
                let outgoing = OutgoingMessage(id: message.id, phone: message.phone, text: message.text,
                                               media: media, session: session, campaignId: campaign.id, folder: campaign.folderName)
                switch await context.transport.send(outgoing) {
                case .sent(let at):
                    context.eventLog?.record(campaign: campaign.id, phone: message.phone, messageID: message.id, status: "sent", at: at)
                    unrecorded.value = (message.id, at)
                case .permanentFailure(let reason):
                    try await context.database.markFailed(message.id, reason: reason)
                    context.eventLog?.record(campaign: campaign.id, phone: message.phone, messageID: message.id, status: "failed", reason: reason, level: .error)
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
                if context.clock.now().timeIntervalSince(lastStatus) >= 1 {
                    try await flush()
                    try await runner.writeStatus(campaign.id)
                    try await TerminalProgress.show(campaign: campaign, database: context.database)
                    lastStatus = context.clock.now()
                    optedOut = try await context.database.optedOutPhones()
                }
                sentInBatch += 1
                if sending.batchSize > 0, sentInBatch >= sending.batchSize, sending.batchPauseSeconds > 0 {
                    sentInBatch = 0
                    try await context.clock.sleep(seconds: sending.batchPauseSeconds)
                } else if delayMax > 0 {
                    try await context.clock.sleep(seconds: Double.random(in: delayMin...delayMax))
                }
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
        guard !sending.warmUpDailyCaps.isEmpty, let linked = try await context.database.linkedAt(session: session) else {
            return sending.dailyCap
        }
        let day = max(0, Int(now.timeIntervalSince(linked) / 86_400))
        guard day < sending.warmUpDailyCaps.count else { return sending.dailyCap }
        let warmUp = sending.warmUpDailyCaps[day]
        return sending.dailyCap == 0 ? warmUp : min(warmUp, sending.dailyCap)
    }

    /// Round robin over the campaign's sessions, skipping those at their hourly or daily cap;
    /// waits when all are capped.
    private func nextSession(from index: inout Int) async throws -> String {
        let sending = context.pipeline.sending
        while true {
            let sessions = await sessionNames()
            var available = 0
            for offset in 0..<sessions.count {
                let session = sessions[(index + offset) % sessions.count]
                // A logged-out, replaced or unacknowledged session hands its share to the others.
                guard await context.transport.isAvailable(session: session) else { continue }
                available += 1
                let now = context.clock.now()
                let dailyCap = try await dailyCap(for: session, now: now)
                let hourly = sending.hourlyCap == 0 ? 0 : try await context.database.sentCount(session: session, since: now.addingTimeInterval(-3600))
                let daily = dailyCap == 0 ? 0 : try await context.database.sentCount(session: session, since: now.addingTimeInterval(-86_400))
                if (sending.hourlyCap == 0 || hourly < sending.hourlyCap) && (dailyCap == 0 || daily < dailyCap) {
                    index = (index + offset + 1) % sessions.count
                    return session
                }
            }
            if available == 0 {
                context.logger.warning("no session of this campaign can send now (not linked, logged out or not acknowledged); waiting",
                                       metadata: ["campaign.id": "\(campaign.id)", "sessions": "\(sessions.joined(separator: ","))"])
                try await context.clock.sleep(seconds: 30)
                continue
            }
            context.logger.notice("every session is at its cap; waiting", metadata: ["campaign.id": "\(campaign.id)"])
            try await context.clock.sleep(seconds: 60)
        }
    }
}
