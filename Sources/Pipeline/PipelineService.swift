import Foundation
import Logging
import Synchronization
public import ServiceLifecycle
import Store

/// The daemon's main loop: takes complete drops from `inbox/` and runs open campaigns, highest
/// priority first. It wakes on inotify events and also polls, since network shares miss events.
public final class PipelineService: Service, Sendable {
    public let context: PipelineContext
    private let wakeups: AsyncStream<FileEvent>?
    private let once: Bool

    /// - Parameters:
    ///   - wakeups: file events (from `InboxWatchService`) that trigger an immediate scan.
    ///   - once: process what is ready and due, then return (`siaran run --once`).
    public init(context: PipelineContext, wakeups: AsyncStream<FileEvent>? = nil, once: Bool = false) {
        self.context = context
        self.wakeups = wakeups
        self.once = once
    }

    private let failures = Mutex<[String]>([])
    /// The campaign a pass is working on, to say in its status.json (in its outbox folder) when
    /// the database is away.
    private let current = Mutex<CampaignRecord?>(nil)

    /// Campaigns that ended as failed during this run (`--once` exits non-zero when any did).
    public var failedCampaigns: [String] { failures.withLock { $0 } }

    public func run() async throws {
        let scanner = DropScanner(inbox: context.inbox, configuration: context.pipeline.watch, timeZone: context.timeZone)
        let intake = DropIntake(inbox: context.inbox, outbox: context.outbox, spool: context.spool, database: context.database,
                                defaultTimeZone: context.pipeline.sending.timeZone, logger: context.logger,
                                indonesianFirst: context.indonesianFirst, worker: context.workerId, claimSeconds: context.dropClaimSeconds)
        if try await recoverInterruptedIntake() { intakeInterrupted.withLock { $0 = true } }
        do {
            try await CampaignRunner(context: context).writeMissingReports()
        } catch let error where !(error is CancellationError) {
            // Reports that cannot be written now (disk full, a broken picture) never keep the
            // daemon from sending; they are written at the next start.
            context.logger.error("reports of a finished campaign could not be written; tried again later",
                                 metadata: ["error": "\(CampaignFault(error))"])
        }
        let inboxChanged = ChangeMarker()
        let listener = wakeups.map { events in
            Task {
                for await event in events where event.kind != .removed {
                    inboxChanged.mark(Date())
                }
            }
        }
        defer { listener?.cancel() }
        let work = Task {
            let watch = context.pipeline.watch
            var outage = DatabaseOutage()
            var nextScan = Date.distantPast
            while !Task.isCancelled {
                // The inbox is scanned when inotify reports a change (again once its quiet period
                // has passed, since a finished upload makes no further events) and, as a safety net
                // for network shares, every `rescan_seconds`. Without inotify (`--once`), every pass.
                let now = context.clock.now()
                var changedAt = inboxChanged.value
                let scanDue = once || wakeups == nil || now >= nextScan || changedAt != nil
                var didWork: Bool
                do {
                    if outage.isOngoing {
                        // Said as soon as the database answers, before the work it held up resumes.
                        try await context.database.ping()
                        outage.recovered(logger: context.logger, now: context.clock.now())
                    }
                    didWork = try await cycle(scanner: scanner, intake: intake, scanInbox: scanDue)
                } catch let error as StoreError where error.isTransient {
                    // A database restart or a dropped connection: nothing of the failed step was
                    // committed, so the same step runs again (a message left `sending` keeps its id).
                    PipelineMetrics.databaseError(error.code.rawValue)
                    let delay = outage.began(error, logger: context.logger, now: context.clock.now())
                    if let campaign = current.withLock({ $0 }) {
                        CampaignStatus.markWaiting(in: context.campaignOutbox(campaign), reason: "waiting for the database: \(error.detail)",
                                                   now: context.clock.now())
                    }
                    try await context.clock.sleep(seconds: delay)
                    continue
                }
                if scanDue {
                    nextScan = now.addingTimeInterval(watch.rescanSeconds)
                    // Files still inside their quiet period (written just before start, or over a
                    // share without events) are looked at again as soon as they may be complete.
                    if try await hasPendingDrop(scanner) {
                        nextScan = min(nextScan, now.addingTimeInterval(max(0.2, watch.quietSeconds / 4)))
                    }
                    if let changed = changedAt {
                        // Look again right after the quiet period of the latest change.
                        nextScan = min(nextScan, changed.addingTimeInterval(watch.quietSeconds + 0.1))
                        inboxChanged.clear(ifStill: changed)
                        changedAt = nil
                    }
                }
                if once && !didWork {
                    let waiting = try await hasPendingDrop(scanner)
                    if !waiting { return }
                    didWork = false
                }
                if !didWork {
                    // Campaign control files, approvals and schedules are checked every second.
                    let until = min(nextScan, context.clock.now().addingTimeInterval(once ? 0.2 : 1))
                    while context.clock.now() < until, inboxChanged.value == nil {
                        try await context.clock.sleep(seconds: 0.05)
                    }
                }
            }
        }
        do {
            // The work runs in its own task (so a shutdown lets the current send finish); it must
            // also stop when this service's task is cancelled, or a cancelled group would hang.
            try await withTaskCancellationOrGracefulShutdownHandler {
                try await work.value
            } onCancelOrGracefulShutdown: {
                work.cancel()
            }
        } catch is CancellationError {
            // Shutdown: the current send finished and its row is committed; resume next start.
            context.logger.info("pipeline stopped")
        }
    }

    /// One pass: take every ready drop (when `scanInbox`), then run open campaigns. Returns
    /// whether anything moved.
    func cycle(scanner: DropScanner, intake: DropIntake, scanInbox: Bool = true) async throws -> Bool {
        if intakeInterrupted.withLock({ $0 }) {
            // A drop's intake stopped half-way (its checkpoint or the undo could not be written):
            // settled before the inbox is scanned again and before any campaign runs, as at a
            // start. Scanned first, the drop still in inbox/ met the record of its own unfinished
            // intake and was refused as a duplicate of itself (lost, when state/ was full); run
            // first, a campaign would fail as "not taken completely". While the database cannot
            // write, drops and campaigns wait a pass.
            do {
                let leftToOthers = try await recoverInterruptedIntake()
                intakeInterrupted.withLock { $0 = leftToOthers }
            } catch let error where !(error is CancellationError) && !((error as? StoreError)?.isTransient ?? false) {
                return false
            }
        }
        var didWork = false
        if scanInbox {
            for finding in scanner.scan(now: context.clock.now()) {
                do {
                    // Another worker's drop is not work done here (or this loop would spin on it).
                    if case .takenElsewhere = try await intake.take(finding) { continue }
                    dropFaults.withLock { _ = $0.removeValue(forKey: finding.drop.name) }
                } catch let error where !(error is CancellationError) && !((error as? StoreError)?.isTransient ?? false) {
                    // One drop's problem (disk full while moving it, an unreadable file) never
                    // stops the others: it stays in inbox/ and is taken at a later scan.
                    let fault = CampaignFault(error)
                    intakeInterrupted.withLock { $0 = true }
                    let isNew = dropFaults.withLock { $0.updateValue(fault.description, forKey: finding.drop.name) != fault.description }
                    if isNew {
                        context.logger.error("a drop could not be taken; it stays in inbox/ and is tried again",
                                             metadata: ["drop": "\(finding.drop.name)", "error": "\(fault)"])
                    }
                    continue
                }
                didWork = true
            }
        }
        let runner = CampaignRunner(context: context)
        // A campaign without its `ingest` checkpoint is being taken by another worker, or its
        // intake stopped half-way: settled by `recoverInterruptedIntake`, never run meanwhile.
        // Read after the list, so a campaign another worker records meanwhile is either in both or in neither.
        let open = try await context.database.openCampaigns()
        let awaitingIntake = try await context.database.campaignsAwaitingIntake()
        if !awaitingIntake.isEmpty { intakeInterrupted.withLock { $0 = true } }
        for campaign in open where !awaitingIntake.contains(campaign.id) {
            try Task.checkCancellation()
            // A campaign that met a fault waits out its pause while the others go on.
            if let at = faults.withLock({ $0[campaign.id]?.retryAt }), context.clock.now() < at { continue }
            let before = campaign.state
            // Scheduled campaigns do not block the queue: they are looked at again each pass.
            // Left set when the run throws, so an outage can be reported in this campaign's status.
            current.withLock { $0 = campaign }
            let progress: CampaignRunner.Progress
            do {
                progress = try await runner.run(campaign.id, waitForTime: false)
            } catch let error where !(error is CancellationError) && !((error as? StoreError)?.isTransient ?? false) {
                // The boundary: whatever broke this campaign's run stays with this campaign.
                current.withLock { $0 = nil }
                try await handle(CampaignFault(error), of: campaign, runner: runner)
                continue
            }
            current.withLock { $0 = nil }
            await endAttempt(campaign)
            switch progress {
            case .finished(let state):
                didWork = true
                if state == .failed { failures.withLock { $0.append(campaign.id) } }
            case .waitingForApproval, .scheduled:
                if before != .waitingApproval && before != .scheduled { didWork = true }
            case .interrupted:
                return didWork
            }
        }
        return didWork
    }

    /// Campaigns whose run met a fault in this process: when to try again and how long the
    /// pause before that was (doubling while the fault lasts).
    private let faults = Mutex<[String: (retryAt: Date, delay: Double, reason: String)]>([:])
    /// Campaigns with no failed starts left in the database (known in this process), so a run
    /// that ended well clears the count with one write per campaign, not one per pass.
    private let knownClean = Mutex<Set<String>>([])
    /// The last fault logged for each drop name, so a drop that keeps failing is logged once.
    private let dropFaults = Mutex<[String: String]>([:])
    /// A drop's intake failed in this process and may have left a campaign without its `ingest` checkpoint.
    private let intakeInterrupted = Mutex(false)

    /// Failed starts allowed in a row at one stage; the third fails the campaign.
    static let strikesAllowed = 3

    /// A run that ended well (or stopped for shutdown) clears the failed starts in a row; the
    /// write runs even while the service is being cancelled.
    private func endAttempt(_ campaign: CampaignRecord) async {
        if faults.withLock({ $0.removeValue(forKey: campaign.id) }) != nil {
            context.logger.notice("campaign goes on after its problem cleared", metadata: ["campaign.id": "\(campaign.id)"])
        }
        guard knownClean.withLock({ $0.insert(campaign.id).inserted }) else { return }
        let database = context.database, logger = context.logger
        await Task {
            do { try await database.endCampaignAttempt(campaign.id) } catch {
                logger.warning("could not record the end of a campaign's run", metadata: ["campaign.id": "\(campaign.id)", "error": "\(error)"])
            }
        }.value
    }

    /// A fault left a campaign's run: the campaign waits (and says why in its status.json and the
    /// log) while the others go on. A fault that passes with time is tried again with a growing
    /// pause (5 s doubling to 60 s); any other counts as a failed start, and the third in a row at
    /// the same stage fails the campaign with the reason in its errors.txt.
    private func handle(_ fault: CampaignFault, of campaign: CampaignRecord, runner: CampaignRunner) async throws {
        let now = context.clock.now()
        let previous = faults.withLock { $0[campaign.id] }
        PipelineMetrics.campaignFault(fault.kind == .waits ? "waits" : "breaks")
        if let store = fault.store { PipelineMetrics.databaseError(store.code.rawValue) }
        switch fault.kind {
        case .waits:
            let delay = min(60, (previous?.delay ?? 2.5) * 2)
            faults.withLock { $0[campaign.id] = (now.addingTimeInterval(delay), delay, fault.description) }
            if previous?.reason != fault.description {
                context.logger.error("campaign waits: \(fault.description); it tries again by itself",
                                     metadata: ["campaign.id": "\(campaign.id)", "retry.seconds": "\(Int(delay))"])
            }
            CampaignStatus.markWaiting(in: context.campaignOutbox(campaign), reason: fault.description, now: now)
        case .breaks:
            knownClean.withLock { _ = $0.remove(campaign.id) }
            let attempt: CampaignAttempt
            do {
                attempt = try await context.database.strikeCampaignAttempt(campaign.id, error: fault.description)
            } catch let error where !(error is CancellationError) && !((error as? StoreError)?.isTransient ?? false) {
                // The count cannot be written now (the database is full or locked): try later.
                faults.withLock { $0[campaign.id] = (now.addingTimeInterval(5), 5, fault.description) }
                context.logger.error("campaign failed to run and its failure could not be recorded: \(fault.description)",
                                     metadata: ["campaign.id": "\(campaign.id)", "store.error": "\(CampaignFault(error))"])
                return
            }
            context.logger.error("campaign failed to run at the \(attempt.stage.rawValue) stage (\(attempt.strikes) of \(Self.strikesAllowed)): \(fault.description)",
                                 metadata: ["campaign.id": "\(campaign.id)"])
            if attempt.strikes >= Self.strikesAllowed {
                faults.withLock { _ = $0.removeValue(forKey: campaign.id) }
                try await stop(campaign, at: attempt.stage, detail: fault.description, runner: runner)
            } else {
                faults.withLock { $0[campaign.id] = (now.addingTimeInterval(30), 30, fault.description) }
                CampaignStatus.markWaiting(in: context.campaignOutbox(campaign),
                                           reason: "failed at the \(attempt.stage.rawValue) stage (\(attempt.strikes) of \(Self.strikesAllowed)): \(fault.description); tried again in 30 s",
                                           now: now)
            }
        }
    }

    /// Fails a campaign that broke three times in a row at one stage.
    private func stop(_ campaign: CampaignRecord, at stage: CampaignStage, detail: String, runner: CampaignRunner) async throws {
        do {
            try await runner.fail(campaign, reason: CampaignFault.stoppedReason(stage: stage, detail: detail))
        } catch let error where !(error is CancellationError) && !((error as? StoreError)?.isTransient ?? false) {
            // Failing needs a writable disk too; the next pass tries again.
            faults.withLock { $0[campaign.id] = (context.clock.now().addingTimeInterval(5), 5, "\(CampaignFault(error))") }
            context.logger.error("could not mark a broken campaign failed; tried again", metadata: ["campaign.id": "\(campaign.id)", "error": "\(CampaignFault(error))"])
            return
        }
        try? await context.database.endCampaignAttempt(campaign.id)
        failures.withLock { $0.append(campaign.id) }
    }

    /// In `--once` mode, drops still inside their quiet period are waited for.
    private func hasPendingDrop(_ scanner: DropScanner) async throws -> Bool {
        let quiet = context.pipeline.watch.quietSeconds
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: context.inbox)) ?? []
        let candidates = entries.filter { !TemporaryName.matches($0) && !DropScanner.controlFiles.contains($0) && $0 != DropScanner.failedFolder }
        guard !candidates.isEmpty else { return false }
        // Anything written within the quiet period may still become a drop.
        let now = context.clock.now()
        for name in candidates {
            let path = (context.inbox as NSString).appendingPathComponent(name)
            if let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date,
               now.timeIntervalSince(modified) < quiet + 1 {
                return true
            }
        }
        return false
    }

    /// A crash between recording a drop and moving it leaves a campaign without its `ingest`
    /// checkpoint: finish the move if the files reached the spool, otherwise forget the record so
    /// the drop (still in inbox/) is taken again. An intake another worker still holds the claim
    /// for may be under way right now, and is left to that worker (or to whoever claims the drop
    /// once that claim runs out).
    /// Returns whether an intake was left to another worker (to be looked at again).
    @discardableResult
    private func recoverInterruptedIntake() async throws -> Bool {
        var leftToOthers = false
        for campaign in try await context.database.openCampaigns() {
            let stages = try await context.database.completedStages(of: campaign.id)
            guard !stages.contains(CampaignStage.ingest) else { continue }
            let id = campaign.id
            if try await context.database.otherWorkerTakingDrop(of: id, worker: context.workerId, at: Date()) != nil {
                leftToOthers = true
                continue
            }
            if FileManager.default.fileExists(atPath: campaign.locatingSpool(in: context.spool).spoolPath) {
                try await context.database.markStage(.ingest, campaign: id)
            } else {
                try await context.database.forgetInterruptedIntake(campaign: id)
            }
        }
        return leftToOthers
    }
}

/// When the inbox last changed according to inotify, shared between the listener and the loop.
final class ChangeMarker: Sendable {
    private let state = Mutex<Date?>(nil)
    var value: Date? { state.withLock { $0 } }
    func mark(_ date: Date) { state.withLock { $0 = date } }
    func clear(ifStill date: Date) { state.withLock { if $0 == date { $0 = nil } } }
}

/// How long the database has been away, said once in the log when it goes and once when it comes back.
struct DatabaseOutage {
    private var since: Date?
    private var delay = 1.0

    var isOngoing: Bool { since != nil }

    /// Records a failure; answers how long to wait before the next try (1 s doubling to 15 s).
    mutating func began(_ error: StoreError, logger: Logger, now: Date) -> Double {
        if since == nil {
            since = now
            logger.error("the database cannot be reached; sending waits and tries again", metadata: ["error": "\(error.detail)"])
        }
        defer { delay = min(15, delay * 2) }
        return delay
    }

    mutating func recovered(logger: Logger, now: Date) {
        guard let since else { return }
        logger.notice("the database answers again; sending resumes", metadata: ["outage.seconds": "\(Int(now.timeIntervalSince(since)))"])
        self.since = nil
        delay = 1
    }
}

extension DropScanner.Finding {
    /// The drop a finding is about, ready or refused.
    public var drop: Drop {
        switch self {
        case .ready(let drop), .refused(let drop, _): drop
        }
    }
}
