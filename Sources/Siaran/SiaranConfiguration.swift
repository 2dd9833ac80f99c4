public import Contacts
public import Media
public import Pipeline
public import Reports
public import Webhooks
public import Templates
public import AIWriting
public import Store
public import WASocket
import Foundation

/// Everything `pipeline.yaml` and the environment configure, typed and validated.
/// Each module owns its own configuration struct; this type only gathers them.
public struct SiaranConfiguration: Sendable, Equatable {
    public var paths: PathsConfiguration
    public var contacts: ContactsConfiguration
    public var message: MessageConfiguration
    public var media: MediaConfiguration
    public var pipeline: PipelineConfiguration
    public var reports: ReportsConfiguration
    public var optOut: OptOutConfiguration
    public var logging: LoggingConfiguration
    public var dashboard: DashboardSettings
    /// `/metrics`, `/healthz`, `/readyz` on their own port when the dashboard is off (`metrics:`).
    public var metrics: MetricsSettings = .init()
    public var whatsapp: WhatsAppSettings
    public var webhooks: WebhookSettings
    /// The language model that drafts messages and words insights (`ai:`); nil without that section.
    public var ai: AIConfiguration?
    public var database: DatabaseSettings
    /// Scheduled encrypted backups (`backup:`); off unless `backup.every` is set.
    public var backup: BackupSettings = .init()
    /// How long personal data is kept (`privacy:`).
    public var privacy: PrivacySettings = .init()
    /// This process as a worker of a cluster on one database (`cluster:`, `SIARAN_WORKER_ID`).
    public var cluster: ClusterSettings = .init()
    /// Secrets come only from the environment or `.env`, never from `pipeline.yaml`.
    public var secrets: Secrets
    /// The auto-reply bot's rules: `autoreply.yaml` beside `pipeline.yaml` (set by the loader).
    public var autoReplyFile: String = "autoreply.yaml"

    public init(
        paths: PathsConfiguration = .init(),
        contacts: ContactsConfiguration = .init(),
        message: MessageConfiguration = .init(),
        media: MediaConfiguration = .init(),
        pipeline: PipelineConfiguration = .init(),
        reports: ReportsConfiguration = .init(),
        optOut: OptOutConfiguration = .init(),
        logging: LoggingConfiguration = .init(),
        dashboard: DashboardSettings = .init(),
        whatsapp: WhatsAppSettings = .init(),
        webhooks: WebhookSettings = .init(),
        ai: AIConfiguration? = nil,
        database: DatabaseSettings = .init(),
        secrets: Secrets = .init()
    ) {
        self.paths = paths
        self.contacts = contacts
        self.message = message
        self.media = media
        self.pipeline = pipeline
        self.reports = reports
        self.optOut = optOut
        self.logging = logging
        self.dashboard = dashboard
        self.whatsapp = whatsapp
        self.webhooks = webhooks
        self.ai = ai
        self.database = database
        self.secrets = secrets
    }

    /// Where the database is: `database.url` (or `SIARAN_DATABASE_URL`), else the embedded
    /// SQLite file in the state folder. The loader has already checked the URL.
    public func databaseLocation() throws -> DatabaseLocation {
        try DatabaseLocation.parse(database.url, defaultSQLitePath: paths.databasePath)
    }

    /// The opt-out list: `optout.file` when set, else `optout.txt` in the state folder.
    public var optOutFile: String {
        optOut.file ?? (paths.state as NSString).appendingPathComponent("optout.txt")
    }
}

/// Where Siaran reads and writes. Relative paths are taken from the working directory.
public struct PathsConfiguration: Sendable, Equatable {
    public var inbox: String
    public var outbox: String
    public var state: String
    public var templates: String

    public init(inbox: String = "inbox", outbox: String = "outbox", state: String = "state", templates: String = "templates") {
        self.inbox = inbox
        self.outbox = outbox
        self.state = state
        self.templates = templates
    }

    public var databasePath: String { (state as NSString).appendingPathComponent("siaran.sqlite") }
    public var spoolDirectory: String { (state as NSString).appendingPathComponent("spool") }
    public var sessionsDirectory: String { (state as NSString).appendingPathComponent("sessions") }
    public var globalLogPath: String { (outbox as NSString).appendingPathComponent("logs.txt") }
}

/// How recipients opt out: reply words and the shared opt-out file.
public struct OptOutConfiguration: Sendable, Equatable {
    /// A reply consisting of one of these words (any case) opts the sender out at once.
    public var keywords: [String]
    /// One number per line, read on start and appended to when someone opts out. Nil keeps it
    /// in the state folder (`SiaranConfiguration.optOutFile`), so moving the state (for example
    /// with SIARAN_STATE_DIR) moves the opt-out list with it.
    public var file: String?

    public init(keywords: [String] = ["STOP", "BERHENTI", "UNSUB"], file: String? = nil) {
        self.keywords = keywords
        self.file = file
    }
}

public struct LoggingConfiguration: Sendable, Equatable {
    public enum Level: String, Sendable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }

    public var level: Level
    /// `outbox/logs.txt` is rotated when it grows past this size.
    public var maxFileBytes: Int
    /// Rotated files kept (`logs.1.txt` … `logs.N.txt`).
    public var keepFiles: Int

    public init(level: Level = .info, maxFileBytes: Int = 10 * 1024 * 1024, keepFiles: Int = 5) {
        self.level = level
        self.maxFileBytes = maxFileBytes
        self.keepFiles = keepFiles
    }
}

/// Where the daemon posts events for CRMs and scripts (signed with `SIARAN_WEBHOOK_SECRET`).
public struct WebhookSettings: Sendable, Equatable {
    public var endpoints: [WebhookEndpoint]
    public var timeoutSeconds: Double

    public init(endpoints: [WebhookEndpoint] = [], timeoutSeconds: Double = 10) {
        self.endpoints = endpoints
        self.timeoutSeconds = timeoutSeconds
    }
}

/// The web dashboard and HTTP API served by the daemon.
public struct DashboardSettings: Sendable, Equatable {
    public var enabled: Bool
    public var host: String
    public var port: Int

    public init(enabled: Bool = false, host: String = "127.0.0.1", port: Int = 8080) {
        self.enabled = enabled
        self.host = host
        self.port = port
    }
}

/// `metrics:` in pipeline.yaml. With the dashboard on, `/metrics`, `/healthz` and `/readyz` are
/// served on its port; with it off, on `port` when one is set (none by default).
public struct MetricsSettings: Sendable, Equatable {
    public var host: String
    public var port: Int?

    public init(host: String = "127.0.0.1", port: Int? = nil) {
        self.host = host
        self.port = port
    }
}

/// `backup:` in pipeline.yaml: the daemon writes `siaran backup` archives into `dir` every `every`
/// and keeps the newest `keep` (encrypted with `SIARAN_BACKUP_PASSPHRASE`).
public struct BackupSettings: Sendable, Equatable {
    /// Seconds between scheduled backups; nil: no scheduled backups.
    public var every: Double?
    public var keep: Int
    public var dir: String

    public init(every: Double? = nil, keep: Int = 7, dir: String = "backups") {
        self.every = every
        self.keep = keep
        self.dir = dir
    }
}

/// `privacy:` in pipeline.yaml.
public struct PrivacySettings: Sendable, Equatable {
    /// Message texts and reply texts older than this many days are erased each night; nil keeps them.
    public var keepMessageTextsDays: Int?

    public init(keepMessageTextsDays: Int? = nil) {
        self.keepMessageTextsDays = keepMessageTextsDays
    }
}

/// `cluster:` in pipeline.yaml: several `siaran run` processes on one PostgreSQL database.
public struct ClusterSettings: Sendable, Equatable {
    /// How long a worker's session lease lasts without renewal: another worker takes a dead
    /// worker's sessions about this long after its last heartbeat.
    public var leaseSeconds: Double = 15
    /// This worker's id; nil: host name and process id (`SIARAN_WORKER_ID` sets it).
    public var workerId: String?
    /// `cluster.shared_dir`: the folder every worker reads campaign files from after intake (the
    /// spool, prepared pictures in `cache/media`, and the dashboard's uploads). nil: `.siaran/`
    /// beside `inbox/` on PostgreSQL, `state/` on SQLite (one machine). Each worker may mount it
    /// at a path of its own.
    public var sharedDir: String?

    public init(leaseSeconds: Double = 15, workerId: String? = nil, sharedDir: String? = nil) {
        self.leaseSeconds = leaseSeconds
        self.workerId = workerId
        self.sharedDir = sharedDir
    }

    /// How long a worker's claim on a drop it is taking keeps the other workers away: long enough
    /// for a large drop to move over a network share, and a dead worker's drop waits no longer.
    public var dropClaimSeconds: Double { max(60, leaseSeconds * 4) }

    /// Where campaign files live after intake. On PostgreSQL every worker must read them, so they
    /// live on the shared folder; a SQLite installation keeps them in `state/spool` unless
    /// `shared_dir` says otherwise.
    public func spoolDirectory(paths: PathsConfiguration, dialect: SQLDialect) -> String {
        sharedFolder(paths: paths, dialect: dialect).map { ($0 as NSString).appendingPathComponent("spool") } ?? paths.spoolDirectory
    }

    /// Where the dashboard keeps files uploaded before their campaign is created. On PostgreSQL
    /// the shared folder, so the next request may reach any worker (no sticky sessions behind a
    /// proxy); `state/uploads` on one machine.
    public func uploadsDirectory(paths: PathsConfiguration, dialect: SQLDialect) -> String {
        sharedFolder(paths: paths, dialect: dialect).map { ($0 as NSString).appendingPathComponent("uploads") }
            ?? (paths.state as NSString).appendingPathComponent("uploads")
    }

    /// `shared_dir`, else `.siaran/` beside `inbox/` on PostgreSQL; nil on SQLite without `shared_dir`.
    private func sharedFolder(paths: PathsConfiguration, dialect: SQLDialect) -> String? {
        if let sharedDir { return sharedDir }
        guard dialect == .postgres else { return nil }
        let inbox = URL(fileURLWithPath: paths.inbox).standardizedFileURL.path
        return ((inbox as NSString).deletingLastPathComponent as NSString).appendingPathComponent(".siaran")
    }

    /// The id this process uses: the configured one, or `host-pid`.
    public var resolvedWorkerId: String {
        workerId ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    }
}

/// `database:` in pipeline.yaml.
public struct DatabaseSettings: Sendable, Equatable {
    /// Empty: the embedded SQLite file `<paths.state>/siaran.sqlite`. `postgres://user:password@host:5432/db?sslmode=…`
    /// for PostgreSQL (put the password in `SIARAN_DATABASE_URL` in `.env` rather than in this file).
    public var url: String?

    public init(url: String? = nil) {
        self.url = url
    }
}

public struct WhatsAppSettings: Sendable, Equatable {
    /// Session names campaigns use by default (each linked with `siaran login NAME`).
    public var sessions: [String]
    /// WhatsApp Web version triple to announce, e.g. `2.3000.1023223821`; nil uses the shipped default.
    public var version: String?
    /// How long to wait for the WhatsApp server before a connection attempt counts as failed.
    public var connectTimeoutSeconds: Double
    /// Another server than WhatsApp's (the local simulator for demos); nil means WhatsApp.
    public var serverURL: String?
    /// Hex of the 32-byte certificate root key of `serverURL`.
    public var serverRootKey: String?
    /// Scheme for media uploads to that server's hosts (`http` for the simulator).
    public var mediaScheme: String
    /// The proxy each named session connects through (WebSocket and media uploads), from
    /// `whatsapp.proxies` or `SIARAN_WHATSAPP_PROXY_<NAME>`; sessions not named connect directly.
    public var proxies: [String: ProxyConfiguration] = [:]

    public init(sessions: [String] = ["utama"], version: String? = nil, connectTimeoutSeconds: Double = 20,
                serverURL: String? = nil, serverRootKey: String? = nil, mediaScheme: String = "https") {
        self.sessions = sessions
        self.version = version
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.serverURL = serverURL
        self.serverRootKey = serverRootKey
        self.mediaScheme = mediaScheme
    }
}

/// Values that must never be written to `pipeline.yaml`, logs or reports.
public struct Secrets: Sendable, Equatable, CustomStringConvertible {
    /// Signs dashboard session tokens (`SIARAN_JWT_SECRET`).
    public var jwtSecret: String?
    /// Password for the first admin, created on first run (`SIARAN_ADMIN_PASSWORD`).
    public var adminPassword: String?
    /// Username for that admin (`SIARAN_ADMIN_USER`, default `admin`).
    public var adminUser: String
    /// Signs webhook bodies (`SIARAN_WEBHOOK_SECRET`).
    public var webhookSecret: String?
    /// Asked of `/metrics` callers as a bearer token when set (`SIARAN_METRICS_TOKEN`).
    public var metricsToken: String?
    /// Encrypts backups (`SIARAN_BACKUP_PASSPHRASE`).
    public var backupPassphrase: String?
    /// The language model's key (`ANTHROPIC_API_KEY`, `OPENAI_API_KEY` or `SIARAN_AI_API_KEY`, as
    /// `ai.provider` and `ai.base_url` say); prints redacted.
    public var aiKey: APIKey?

    public init(jwtSecret: String? = nil, adminPassword: String? = nil, adminUser: String = "admin", webhookSecret: String? = nil,
                aiKey: APIKey? = nil) {
        self.jwtSecret = jwtSecret
        self.adminPassword = adminPassword
        self.adminUser = adminUser
        self.webhookSecret = webhookSecret
        self.aiKey = aiKey
    }

    /// Never prints a secret, even by accident in a debug dump.
    public var description: String {
        "Secrets(jwtSecret: \(jwtSecret == nil ? "unset" : "set"), adminPassword: \(adminPassword == nil ? "unset" : "set"), adminUser: \(adminUser), webhookSecret: \(webhookSecret == nil ? "unset" : "set"), metricsToken: \(metricsToken == nil ? "unset" : "set"), backupPassphrase: \(backupPassphrase == nil ? "unset" : "set"), aiKey: \(aiKey.map { "\($0.variable) set" } ?? "unset"))"
    }
}
