public import Foundation
import Reports
public import Store
import Transport

/// Runs one campaign from wherever it stopped to the end of its stages.
public struct CampaignRunner: Sendable {
    public let context: PipelineContext

    public init(context: PipelineContext) {
        self.context = context
    }

    /// How far a run got.
    public enum Progress: Sendable, Equatable {
        case finished(CampaignRecord.State)
        /// Waiting for an `APPROVE` file.
        case waitingForApproval
        /// Not due yet.
        case scheduled(Date)
        /// Stopped because the runner is shutting down; it continues on the next start.
        case interrupted
    }

    /// Runs every stage not yet done. `waitForTime: false` returns instead of waiting for a
    /// future `send_at` (for `siaran run --once`).
    public func run(_ id: String, waitForTime: Bool = true) async throws -> Progress {
        guard let campaign = try await context.database.campaign(id)?.locatingSpool(in: context.spool) else { throw CampaignFailure("no campaign \(id)") }
        let options = (campaign.options.flatMap { try? JSONDecoder().decode(CampaignOptions.self, from: Data($0.utf8)) }) ?? CampaignOptions()
        let preparation = CampaignPreparation(context: context, campaign: campaign, options: options)
        context.eventLog?.setFolder(campaign.folderName, for: id)
        var done = try await context.database.completedStages(of: id)
        do {
            guard done.contains(CampaignStage.ingest) else { throw CampaignFailure("the drop was not taken completely") }
            if !done.contains(CampaignStage.validate) { try await preparation.validate() }
            if !done.contains(CampaignStage.render) { try await preparation.render() }
            if !done.contains(CampaignStage.media) { try await preparation.media() }
            if !done.contains(CampaignStage.preview) { try await preparation.preview() }
            done = try await context.database.completedStages(of: id)

            if !done.contains(CampaignStage.approval) {
                let required = options.approvalRequired ?? (context.pipeline.sending.approval == .required)
                if required && !context.control("APPROVE", of: campaign) {
                    try await setState(.waitingApproval, campaign)
                    return .waitingForApproval
                }
                try await context.database.markStage(.approval, campaign: id)
            }
            if !done.contains(CampaignStage.schedule) {
                if let sendAt = campaign.sendAt, sendAt > context.clock.now() {
                    try await setState(.scheduled, campaign)
                    guard waitForTime else { return .scheduled(sendAt) }
                    while context.clock.now() < sendAt {
                        try Task.checkCancellation()
                        try await context.clock.sleep(seconds: min(1, sendAt.timeIntervalSince(context.clock.now())))
                    }
                }
                try await context.database.markStage(.schedule, campaign: id)
            }
            if !done.contains(CampaignStage.send) {
                // The transport of the moment decides whether this campaign is history or a rehearsal.
                try await context.database.setRehearsal(context.pipeline.sending.transport == .dryRun, campaign: id)
                let outcome = if let test = options.abTest {
                    try await ABTestRun(context: context, campaign: campaign, options: options, test: test, preparation: preparation).run()
                } else {
                    try await CampaignSender(context: context, campaign: campaign, options: options).run()
                }
                if outcome == .cancelled {
                    try await finish(campaign, state: .cancelled, partial: true)
                    return .finished(.cancelled)
                }
                try await context.database.markStage(.send, campaign: id)
            }
            try await finish(campaign, state: .done, partial: false)
            return .finished(.done)
        } catch is CancellationError {
            return .interrupted
        } catch let failure as CampaignFailure {
            try await fail(campaign, reason: failure.reason)
            return .finished(.failed)
        }
    }

    private func setState(_ state: CampaignRecord.State, _ campaign: CampaignRecord) async throws {
        try await context.database.setState(state, of: campaign.id)
        try await writeStatus(campaign.id)
    }

    func writeStatus(_ id: String) async throws {
        guard let campaign = try await context.database.campaign(id) else { return }
        let counts = try await context.database.messageCounts(of: id)
        try CampaignStatus(campaign: campaign, counts: counts, now: context.clock.now(), averageDelay: Self.averageDelay(of: campaign, context.pipeline.sending),
                           sending: context.pipeline.sending, timeZone: context.timeZone)
            .write(to: context.campaignOutbox(campaign))
    }

    /// The campaign's mean pause between two messages: its own `delay:`, else the configured one.
    public static func averageDelay(of campaign: CampaignRecord, _ sending: SendingConfiguration) -> Double {
        let options = campaign.options.flatMap { try? JSONDecoder().decode(CampaignOptions.self, from: Data($0.utf8)) }
        return ((options?.delayMinimum ?? sending.delayMinimum) + (options?.delayMaximum ?? sending.delayMaximum)) / 2
    }

    private func finish(_ campaign: CampaignRecord, state: CampaignRecord.State, partial: Bool) async throws {
        let id = campaign.id
        // The end state first: PAUSE/CANCEL callers and status.json see it at once; the reports
        // follow (a crash in between is caught up by `writeMissingReports` at the next start).
        // Only the worker whose call ended the campaign writes them: the database decides, so two
        // workers reaching the end of one campaign never both write its reports.
        guard try await context.database.endCampaign(state, of: id) else {
            context.logger.info("campaign was ended by another worker; its reports are written there", metadata: ["campaign.id": "\(id)"])
            return
        }
        try await writeStatus(id)
        try await writeReports(campaign, partial: partial, finalState: state)
        context.logger.info("campaign \(state.rawValue)", metadata: ["campaign.id": "\(id)"])
        context.eventLog?.record(campaign: id, phone: nil, messageID: nil, status: "campaign-\(state.rawValue)")
        context.eventLog?.close(campaign: id)
    }

    private func writeReports(_ campaign: CampaignRecord, partial: Bool, finalState: CampaignRecord.State) async throws {
        let id = campaign.id
        try await CampaignReportWriter(database: context.database, configuration: context.reports, logger: context.logger,
                                       insightsRewriter: context.insightsRewriter)
            .write(campaign: id, to: context.campaignOutbox(campaign), partial: partial, finalState: finalState)
        try await context.database.markStages([.report, .archive], campaign: id)
    }

    /// Rewrites the reports and status of finished campaigns that heard receipts or replies
    /// since their reports were written; returns how many it rewrote.
    @discardableResult
    public func refreshStaleReports() async throws -> Int {
        let stale = try await context.database.campaignsWithStaleReports()
        for (id, state, since) in stale {
            let final = CampaignRecord.State(rawValue: state) ?? .done
            guard let campaign = try await context.database.campaign(id) else { continue }
            try await writeStatus(id)
            try await writeReports(campaign, partial: final != .done, finalState: final)
            try await context.database.clearReportsStale(campaign: id, since: since)
            context.logger.info("reports rewritten with the receipts and replies that came after the end", metadata: ["campaign.id": "\(id)"])
        }
        return stale.count
    }

    /// Reports the end of a campaign could not write (the outbox was full or read-only at that
    /// moment) are written while the daemon runs, not only at its next start. A campaign is
    /// taken when it was already missing its reports at the previous call (`seenBefore`), so
    /// one whose end is being written right now is left to its own run. Returns the campaigns
    /// still without reports, for the next call.
    public func writeReportsStillMissing(seenBefore: Set<String>) async throws -> Set<String> {
        var stillMissing = Set<String>()
        var firstError: (any Error)?
        for (id, final) in try await context.database.finishedCampaignsWithoutReports() {
            guard seenBefore.contains(id) else {
                stillMissing.insert(id)
                continue
            }
            guard let campaign = try await context.database.campaign(id) else { continue }
            do {
                try await writeStatus(id)
                try await writeReports(campaign, partial: final != .done, finalState: final)
                context.logger.notice("reports written that could not be written when the campaign ended", metadata: ["campaign.id": "\(id)"])
            } catch let error where !(error is CancellationError) {
                stillMissing.insert(id)
                firstError = firstError ?? error
            }
        }
        if let firstError { throw ReportsStillMissing(campaigns: stillMissing, cause: firstError) }
        return stillMissing
    }

    /// Finished or cancelled campaigns whose reports were not written (the daemon stopped right
    /// after the end state was recorded) get them now.
    func writeMissingReports() async throws {
        for (id, final) in try await context.database.finishedCampaignsWithoutReports() {
            context.logger.notice("writing the reports of a campaign that ended before they were written", metadata: ["campaign.id": "\(id)"])
            guard let campaign = try await context.database.campaign(id) else { continue }
            try await writeReports(campaign, partial: final != .done, finalState: final)
        }
    }

    /// Stops the campaign and gives its files back to staff: `inbox/failed/<name>/` with
    /// `errors.txt` beside them and in the campaign's outbox folder. A campaign that sent nothing
    /// releases its drop, so the same files dropped again once the cause is fixed are taken.
    func fail(_ campaign: CampaignRecord, reason: StaffReason) async throws {
        let fm = FileManager.default
        let outbox = context.campaignOutbox(campaign)
        let counts = try await context.database.messageCounts(of: campaign.id)
        let somethingSent = counts.sent + counts.delivered + counts.read + counts.sending > 0
        var dropName = campaign.folderName
        if let dropId = campaign.dropId, let drop = try await context.database.drop(id: dropId) { dropName = drop.name }
        var errors = ErrorsFile(kind: .stopped, name: dropName, campaignId: campaign.id, reason: reason, filesKeptIn: nil,
                                somethingSent: somethingSent, at: context.clock.now(), timeZone: context.timeZone,
                                indonesianFirst: context.indonesianFirst)
        // The reason is on disk before anything else moves, so a crash in between never loses it.
        try errors.write(into: [outbox])
        try await context.database.setState(.failed, of: campaign.id, reason: reason.english)
        if !somethingSent { try await context.database.releaseDrop(ofFailedCampaign: campaign.id, reason: reason.english) }
        if fm.fileExists(atPath: campaign.spoolPath) {
            let failed = (context.inbox as NSString).appendingPathComponent(DropScanner.failedFolder)
            let destination = (failed as NSString).appendingPathComponent(OutboxFolder.free(dropName, in: failed))
            do {
                try fm.createDirectory(atPath: failed, withIntermediateDirectories: true)
                if rename(campaign.spoolPath, destination) != 0 {
                    try fm.copyItem(atPath: campaign.spoolPath, toPath: destination)
                    try fm.removeItem(atPath: campaign.spoolPath)
                }
                errors.filesKeptIn = ErrorsFile.shown(destination, under: context.inbox)
                try errors.write(into: [outbox, destination])
            } catch {
                context.logger.error("the files of a stopped campaign could not be moved back to inbox/failed/; they stay in the spool",
                                     metadata: ["campaign.id": "\(campaign.id)", "spool": "\(campaign.spoolPath)", "error": "\(error)"])
            }
        }
        do {
            try await writeStatus(campaign.id)
        } catch {
            // The campaign is failed in the database and errors.txt says why; a status.json that
            // cannot be written (the cause of the failure, perhaps) must not undo that.
            context.logger.warning("status.json of a failed campaign could not be written", metadata: ["campaign.id": "\(campaign.id)", "error": "\(error)"])
        }
        context.logger.error("campaign failed", metadata: ["campaign.id": "\(campaign.id)", "reason": "\(reason.english)",
                                                           "failed.folder": "\(errors.filesKeptIn ?? "-")"])
        context.eventLog?.record(campaign: campaign.id, phone: nil, messageID: nil, status: "campaign-failed", reason: reason.english, level: .error)
    }
}

/// Some reports could not be written yet; `campaigns` are those to try again.
public struct ReportsStillMissing: Error, CustomStringConvertible {
    public let campaigns: Set<String>
    public let cause: any Error
    public var description: String { "\(CampaignFault(cause))" }
}
