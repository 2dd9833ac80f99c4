public import Logging
public import ServiceLifecycle
public import Store
public import Foundation
public import Pipeline
public import Monitoring
public import WhatsApp
import Webhooks
public import Transport
public import Reports
public import Dashboard

/// The composition root: turns a configuration into the running daemon.
///
/// `siaran run` calls `build` and runs the returned group; tests build the same group.
public struct SiaranApplication: Sendable {
    public let configuration: SiaranConfiguration
    public let database: SiaranDatabase
    public let logger: Logger
    public let logFile: LogFile
    /// Whether log lines also go to standard error (off in tests and `--quiet` runs).
    public let console: Bool
    /// The language model of `ai:` (message writing on the dashboard, insights in reports); nil without it.
    public let ai: AIServices?
    /// The pipeline.yaml this configuration came from (scheduled backups put it in each archive).
    public let configurationFile: String
    /// Where campaign files live after intake: `state/spool` on SQLite, the shared folder on
    /// PostgreSQL (every worker reads them there).
    public let spoolDirectory: String

    /// Creates the folders, opens the log and the database (running migrations).
    public init(configuration: SiaranConfiguration, console: Bool = true, configurationFile: String = "pipeline.yaml") async throws {
        self.configuration = configuration
        self.configurationFile = configurationFile
        self.console = console
        let paths = configuration.paths
        try Self.prepareFolders(paths)
        let timeZone = TimeZone(identifier: configuration.pipeline.sending.timeZone) ?? .current
        let logFile = try LogFile(
            path: paths.globalLogPath,
            maxBytes: configuration.logging.maxFileBytes,
            keep: configuration.logging.keepFiles
        )
        self.logFile = logFile
        let level = Logger.Level(rawValue: configuration.logging.level.rawValue) ?? .info
        var logger = Logger(label: "siaran") { label in
            SiaranLogHandler(label: label, level: level, file: logFile, console: console, timeZone: timeZone)
        }
        logger.logLevel = level
        self.logger = logger
        let location = try configuration.databaseLocation()
        do {
            self.database = try await SiaranDatabase.open(location, logger: logger)
        } catch {
            logger.critical("cannot open the database (\(location)): \(error)")
            throw error
        }
        spoolDirectory = configuration.cluster.spoolDirectory(paths: paths, dialect: database.dialect)
        try FileManager.default.createDirectory(atPath: spoolDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var aiLogger = Logger(label: "ai") { label in
            SiaranLogHandler(label: label, level: level, file: logFile, console: console, timeZone: timeZone)
        }
        aiLogger.logLevel = level
        self.ai = try AIServices(configuration, logger: aiLogger)
        warnAboutOldOptOutFile()
    }

    /// Until December 2026 the opt-out list stayed at ./state/optout.txt even when the state
    /// folder was elsewhere; it now follows the state folder. Say so loudly if an old list is left
    /// behind, so nobody who opted out is messaged because the file was not moved.
    private func warnAboutOldOptOutFile() {
        guard configuration.optOut.file == nil else { return }
        let old = URL(fileURLWithPath: "state/optout.txt").standardizedFileURL.path
        let current = URL(fileURLWithPath: configuration.optOutFile).standardizedFileURL.path
        guard old != current, FileManager.default.fileExists(atPath: old) else { return }
        logger.critical("an opt-out list is at \(old) but the list now lives in the state folder, \(current): move its numbers there (or set optout.file) before sending")
    }

    /// Everything the daemon runs, in start order; shutdown happens in reverse.
    public func services() async throws -> [any Service] {
        try await assemble(once: false).services
    }

    /// `siaran run --once`: the daemon's services (the transport's event recorder too, so
    /// receipts and STOP replies that arrive meanwhile are recorded) but no inbox watcher and no
    /// dashboard; the pipeline processes what is ready and due, then the group shuts down
    /// gracefully. `pipeline.failedCampaigns` tells afterwards whether a campaign failed.
    public func onceServiceGroup() async throws -> (group: ServiceGroup, pipeline: PipelineService) {
        let (services, pipeline) = try await assemble(once: true)
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { service in
                    service is OncePass ? .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup) : .init(service: service)
                },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: component("lifecycle")
            )
        )
        return (group, pipeline)
    }

    /// What `/metrics`, `/healthz` and `/readyz` report; the daemon's counters start recording.
    public func monitoring() -> SiaranMetrics {
        SiaranMetrics.bootstrap()
        return SiaranMetrics(database: database, inbox: configuration.paths.inbox)
    }

    private func assemble(once: Bool) async throws -> (services: [any Service], pipeline: PipelineService) {
        SiaranMetrics.bootstrap()
        var services: [any Service] = []
        let watcher = once ? nil : InboxWatchService(
            inbox: configuration.paths.inbox,
            configuration: configuration.pipeline.watch,
            logger: component("pipeline")
        )
        if let watcher { services.append(watcher) }
        // Campaigns spooled on this machine before the spool moved to the shared folder go there too.
        try await SpoolRelocation(from: configuration.paths.spoolDirectory, to: spoolDirectory, database: database, logger: component("pipeline")).run()
        let heldLeases = HeldLeases()
        // On PostgreSQL several workers may share the database: a number connects only under its
        // lease (ClusterMembershipService takes them), and writes its keys only while it holds it.
        // SQLite is one machine's.
        let leasing = database.dialect == .postgres && configuration.pipeline.sending.transport == .whatsapp && !once
        let worker = configuration.cluster.resolvedWorkerId
        var fence: (@Sendable (String) -> LeaseFence?)?
        var leaseDeadline: (@Sendable (String) -> Date?)?
        if leasing {
            fence = { session in heldLeases.lease(of: session).map { LeaseFence(worker: worker, fencing: $0.fencing) } }
            leaseDeadline = { session in heldLeases.lease(of: session)?.expiresAt }
        }
        let storages = sessionStorages(fence: fence, leaseDeadline: leaseDeadline)
        let (transport, whatsapp) = try await makeTransport(storages: storages)
        let board = SessionBoard()
        let (leaseChanges, leaseContinuation) = AsyncStream.makeStream(of: ClusterMembershipService.LeaseChange.self)
        let openSession: @Sendable (String) async throws -> WhatsAppSession = { [self] name in
            try await WhatsAppService.session(
                name, settings: configuration.whatsapp, sessionsDirectory: configuration.paths.sessionsDirectory,
                outbox: configuration.paths.outbox, typing: configuration.pipeline.sending.typingPresence,
                timeZone: TimeZone(identifier: configuration.pipeline.sending.timeZone), storages: storages, logger: component("whatsapp"))
        }
        if let whatsapp {
            services.append(WhatsAppService(transport: whatsapp, database: database, logger: component("whatsapp"), board: board,
                                            leaseChanges: leasing ? leaseChanges : nil, open: openSession))
        }
        let leaseTaker = leasing ? SessionLeaseTaker(database: database, worker: worker, duration: configuration.cluster.leaseSeconds,
                                                     leases: heldLeases) : nil
        var context = pipelineContext(transport: transport)
        if leasing {
            context.leaseFence = { session in heldLeases.fence(for: session, worker: worker) }
            context.leaseValid = { session, now in heldLeases.lease(of: session).map { now < $0.expiresAt } ?? false }
        }
        let recorder = TransportEventRecorder(
            events: context.transport.events, database: database, optOutWords: configuration.optOut.keywords,
            optOutFile: configuration.optOutFile, logger: component("pipeline"), eventLog: context.eventLog, autoReply: autoReplyBot(clock: context.clock)
        )
        let pipeline = PipelineService(context: context, wakeups: watcher?.events, once: once)
        services.append(recorder)
        services.append(once ? OncePass(pipeline: pipeline, whatsapp: whatsapp, logger: component("pipeline")) : pipeline)
        services.append(ReportRefreshService(context: context))
        if !once { services.append(DeliveryAlertService(context: context)) }
        services.append(AnswerSender(context: context))
        // Without endpoints it only keeps the event log pruned (the loader refuses endpoints without a secret).
        var webhooks = WebhookService.Settings(endpoints: configuration.webhooks.endpoints, secret: configuration.secrets.webhookSecret ?? "")
        webhooks.timeout = configuration.webhooks.timeoutSeconds
        services.append(WebhookService(settings: webhooks, database: database, logger: component("webhooks"), userAgent: "Siaran/\(SiaranVersion.current)"))
        if let days = configuration.privacy.keepMessageTextsDays, !once {
            services.append(TextRetentionService(database: database, keepDays: days,
                                                 timeZone: TimeZone(identifier: configuration.pipeline.sending.timeZone) ?? .current,
                                                 logger: component("privacy")))
        }
        if !once {
            var linkedSessions: (@Sendable () async throws -> [String])?
            if leasing { linkedSessions = { try await storages.linkedNames() } }
            services.append(ClusterMembershipService(database: database, settings: configuration.cluster, logger: component("cluster"),
                                                     leases: heldLeases, sessions: whatsapp.map { $0.sessions.keys.sorted() } ?? [],
                                                     linkedSessions: linkedSessions, changes: leasing ? leaseContinuation : nil,
                                                     disconnect: { session in await whatsapp?.stopSession(session) }))
        }
        if configuration.backup.every != nil, !once, let passphrase = configuration.secrets.backupPassphrase {
            let backup = InstallationBackup(configuration: configuration, configurationFile: configurationFile, database: database)
            services.append(BackupService(backup: backup, settings: configuration.backup, passphrase: passphrase, logger: component("backup")))
        }
        if configuration.dashboard.enabled && !once {
            var takeLease: (@Sendable (String) async throws -> SessionLeaseTaker.Outcome)?
            if let leaseTaker { takeLease = { name in try await leaseTaker.take(name) } }
            let control = whatsapp.map { transport in
                WhatsAppSessionControl(transport: transport, board: board,
                                       sessionsRoot: URL(fileURLWithPath: configuration.paths.sessionsDirectory, isDirectory: true),
                                       removeState: { name in try? await storages.remove(name) }, takeLease: takeLease, open: openSession)
            }
            let metrics = monitoring(), token = configuration.secrets.metricsToken
            services.append(DashboardService(dashboard: try await dashboard(sessions: control)) { router in
                MonitoringRoutes.add(to: router, metrics: metrics, token: token)
            })
        } else if let port = configuration.metrics.port, !once {
            services.append(MetricsService(metrics: monitoring(), host: configuration.metrics.host, port: port,
                                           token: configuration.secrets.metricsToken, logger: component("metrics")))
        }
        return (services, pipeline)
    }

    /// The auto-reply bot over `autoreply.yaml` (it answers nothing while the file is absent).
    public func autoReplyBot(clock: any PipelineClock = SystemPipelineClock()) -> AutoReplyBot {
        AutoReplyBot(file: configuration.autoReplyFile, defaultTimeZone: configuration.pipeline.sending.timeZone, database: database, clock: clock,
                     logger: component("autoreply"), message: configuration.message)
    }

    /// The web dashboard over this daemon's folders and database (`dashboard.enabled`).
    public func dashboard(sessions: (any SessionControl)?) async throws -> Dashboard {
        guard let secret = configuration.secrets.jwtSecret else {
            throw ConfigurationError(issues: [.init(file: "environment", line: 0, column: 0,
                message: "dashboard.enabled is true but SIARAN_JWT_SECRET is not set; set it (32+ random characters) in .env")])
        }
        let paths = configuration.paths
        let admin = configuration.secrets.adminPassword.map { (username: configuration.secrets.adminUser, password: $0) }
        var settings = DashboardConfiguration(
                host: configuration.dashboard.host, port: configuration.dashboard.port, inbox: paths.inbox, outbox: paths.outbox,
                uploads: configuration.cluster.uploadsDirectory(paths: paths, dialect: database.dialect), jwtSecret: secret, initialAdmin: admin,
                templates: paths.templates, optOutFile: configuration.optOutFile, contacts: configuration.contacts,
                message: configuration.message, media: configuration.media, timeZone: configuration.pipeline.sending.timeZone,
                sending: configuration.pipeline.sending, watch: configuration.pipeline.watch, sessionNames: configuration.whatsapp.sessions,
                autoReplyFile: configuration.autoReplyFile)
        settings.deliveryAlertHours = configuration.reports.deliveryAlertHours
        return await Dashboard(configuration: settings, database: database, sessions: sessions, logger: component("dashboard"), writer: ai?.writer)
    }

    /// Where the sessions' keys live: folders on SQLite, the database on PostgreSQL.
    /// - Parameters:
    ///   - fence: on a cluster, the lease this worker holds on a session (its writes are fenced by it).
    ///   - leaseDeadline: when that lease ends by this worker's clock (no frame goes out after it).
    public func sessionStorages(fence: (@Sendable (String) -> LeaseFence?)? = nil,
                                leaseDeadline: (@Sendable (String) -> Date?)? = nil) -> SessionStorages {
        SessionStorages.forInstallation(sessionsDirectory: configuration.paths.sessionsDirectory, database: database, fence: fence,
                                        leaseDeadline: leaseDeadline, logger: component("whatsapp"))
    }

    /// The configured transport; for WhatsApp also the sessions (not started yet).
    public func makeTransport(storages: SessionStorages? = nil) async throws -> (any MessageTransport, WhatsAppTransport?) {
        switch configuration.pipeline.sending.transport {
        case .dryRun:
            let timeZone = TimeZone(identifier: configuration.pipeline.sending.timeZone) ?? .current
            return (DryRunTransport(outbox: configuration.paths.outbox) { LocalTimeFormatter.iso8601($0, timeZone: timeZone) }, nil)
        case .whatsapp:
            let whatsapp = try await WhatsAppService.transport(
                settings: configuration.whatsapp, sessionsDirectory: configuration.paths.sessionsDirectory,
                outbox: configuration.paths.outbox, typing: configuration.pipeline.sending.typingPresence,
                timeZone: TimeZone(identifier: configuration.pipeline.sending.timeZone), storages: storages ?? sessionStorages(),
                logger: component("whatsapp"))
            return (whatsapp, whatsapp)
        }
    }

    /// The pipeline's view of the configuration and the transport it sends with.
    public func pipelineContext(transport: any MessageTransport) -> PipelineContext {
        let paths = configuration.paths
        var context = PipelineContext(
            inbox: paths.inbox, outbox: paths.outbox, spool: spoolDirectory, templates: paths.templates,
            optOutFile: configuration.optOutFile, contacts: configuration.contacts, message: configuration.message,
            pipeline: configuration.pipeline, sessions: configuration.whatsapp.sessions, database: database,
            transport: transport, logger: component("pipeline"), media: configuration.media
        )
        context.reports = configuration.reports
        context.insightsRewriter = ai?.insights
        context.workerId = configuration.cluster.resolvedWorkerId
        context.dropClaimSeconds = configuration.cluster.dropClaimSeconds
        context.eventLog = CampaignEventLog(
            outbox: paths.outbox, maxBytes: configuration.logging.maxFileBytes, keep: configuration.logging.keepFiles,
            timeZone: TimeZone(identifier: configuration.pipeline.sending.timeZone) ?? .current, logger: component("campaign")
        )
        return context
    }

    /// A service group that stops cleanly on SIGINT and SIGTERM.
    public func serviceGroup() async throws -> ServiceGroup {
        ServiceGroup(
            configuration: .init(
                services: try await services().map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: component("lifecycle")
            )
        )
    }

    /// A logger for one component (`pipeline`, `store`, …); the label becomes the log column.
    public func component(_ name: String) -> Logger {
        let level = logger.logLevel
        let logFile = self.logFile
        let timeZone = TimeZone(identifier: configuration.pipeline.sending.timeZone) ?? .current
        let console = self.console
        var component = Logger(label: name) { label in
            SiaranLogHandler(label: label, level: level, file: logFile, console: console, timeZone: timeZone)
        }
        component.logLevel = level
        return component
    }

    /// inbox/, outbox/ and state/ (with the spool and session folders) exist before anything runs.
    /// state/ is private to the daemon's user: it holds session keys.
    static func prepareFolders(_ paths: PathsConfiguration) throws {
        let fm = FileManager.default
        for folder in [paths.inbox, paths.outbox] {
            try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        for folder in [paths.state, paths.spoolDirectory, paths.sessionsDirectory] {
            try fm.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder)
        }
    }
}
