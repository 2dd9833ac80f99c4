public import Contacts
public import Foundation
public import Logging
public import Media
public import Reports
public import Store
public import Templates
public import Transport

/// Everything the stages need, assembled once by the composition root.
public struct PipelineContext: Sendable {
    public var inbox: String
    public var outbox: String
    public var spool: String
    public var templates: String
    public var optOutFile: String
    public var contacts: ContactsConfiguration
    public var message: MessageConfiguration
    public var pipeline: PipelineConfiguration
    /// Session names used when a campaign does not name its own.
    public var sessions: [String]
    public var database: SiaranDatabase
    public var transport: any MessageTransport
    public var clock: any PipelineClock
    public var logger: Logger
    /// How campaign images are prepared (`media:` in pipeline.yaml).
    public var media: MediaConfiguration
    /// Prepared images by content hash; by default `cache/media` beside the spool (`state/cache/media`).
    public var mediaCache: String
    /// How reports look (language, formats, company); set by the composition root.
    public var reports = ReportsConfiguration()
    /// Per-campaign `outbox/<campaign>/logs.txt`, one line per message event; nil writes none.
    public var eventLog: CampaignEventLog?
    /// Rewords each report's insights paragraph (the `ai:` model); nil keeps the rule-written one.
    public var insightsRewriter: (any InsightsRewriter)?
    /// On a cluster, the lease this worker holds for a session, checked when messages are claimed
    /// for it; nil (SQLite, one machine) claims without a check.
    public var leaseFence: (@Sendable (String) -> LeaseFence)?
    /// On a cluster, whether this worker's lease on a session (as its last heartbeat left it) still
    /// runs at a time, asked right before each message's network write; nil (SQLite) never asks.
    public var leaseValid: (@Sendable (String, Date) -> Bool)?
    /// When each session may send next, across campaigns (one registry per process: copies of
    /// this context share it).
    public var sessionPacing = SessionPacing()
    /// This process as a worker of the cluster (`SIARAN_WORKER_ID`); drops are claimed under it.
    public var workerId = "local"
    /// How long a worker's claim on a drop it is taking keeps the others away.
    public var dropClaimSeconds: TimeInterval = 60

    public init(inbox: String, outbox: String, spool: String, templates: String, optOutFile: String,
                contacts: ContactsConfiguration, message: MessageConfiguration, pipeline: PipelineConfiguration,
                sessions: [String], database: SiaranDatabase, transport: any MessageTransport,
                clock: any PipelineClock = SystemPipelineClock(), logger: Logger,
                media: MediaConfiguration = MediaConfiguration(), mediaCache: String? = nil) {
        self.inbox = inbox
        self.outbox = outbox
        self.spool = spool
        self.templates = templates
        self.optOutFile = optOutFile
        self.contacts = contacts
        self.message = message
        self.pipeline = pipeline
        self.sessions = sessions
        self.database = database
        self.transport = transport
        self.clock = clock
        self.logger = logger
        self.media = media
        self.mediaCache = mediaCache
            ?? (((spool as NSString).deletingLastPathComponent as NSString).appendingPathComponent("cache") as NSString).appendingPathComponent("media")
    }

    /// The configured zone (`sending.timezone`): every time a person reads is in it.
    public var timeZone: TimeZone { TimeZone(identifier: pipeline.sending.timeZone) ?? .current }

    /// `errors.txt` and other staff files start with Bahasa Indonesia unless reports are in English.
    var indonesianFirst: Bool { reports.language != .english }

    /// The campaign's folder in `outbox/` (named after the drop, stored at intake).
    func campaignOutbox(_ campaign: CampaignRecord) -> String { (outbox as NSString).appendingPathComponent(campaign.folderName) }

    func control(_ name: String, of campaign: CampaignRecord) -> Bool {
        FileManager.default.fileExists(atPath: (campaignOutbox(campaign) as NSString).appendingPathComponent(name))
    }

    var pausedGlobally: Bool { FileManager.default.fileExists(atPath: (inbox as NSString).appendingPathComponent("PAUSE-ALL")) }
}

/// Why a campaign cannot go on; written to `errors.txt` in its outbox folder and beside its files
/// in `inbox/failed/`.
struct CampaignFailure: Error, CustomStringConvertible {
    var reason: StaffReason
    var description: String { reason.english }
    /// A reason only operators meet (the same words in both languages).
    init(_ description: String) { reason = StaffReason(english: description, indonesian: description) }
    init(_ reason: StaffReason) { self.reason = reason }
}
