public import Contacts
public import Foundation
public import Media
public import Pipeline
public import Templates

/// Everything the dashboard needs from the daemon's configuration, in one value.
public struct DashboardConfiguration: Sendable {
    /// Address to listen on (`dashboard.host`, default `127.0.0.1`).
    public var host: String
    /// Port to listen on (`dashboard.port`, default 8080).
    public var port: Int
    /// The watch folder uploads become drops in.
    public var inbox: String
    /// Where campaigns' reports and control files live.
    public var outbox: String
    /// Private folder for files uploaded before their campaign is created (`state/uploads`).
    public var uploads: String
    /// Signs session tokens (HS256); at least 32 characters (`SIARAN_JWT_SECRET`).
    public var jwtSecret: String
    /// The first admin, created when the users table is empty (`SIARAN_ADMIN_USER`/`_PASSWORD`).
    public var initialAdmin: (username: String, password: String)?
    /// How long a login lasts.
    public var sessionLifetime: TimeInterval
    /// Marks the session cookie `Secure` (set when served behind HTTPS).
    public var secureCookies: Bool
    /// Largest request body accepted (uploads included).
    public var maxRequestBytes: Int
    /// Largest single uploaded file.
    public var maxFileBytes: Int
    /// How often the event stream looks at campaigns and sessions.
    public var eventInterval: Duration
    /// API requests one token may make per minute.
    public var requestsPerMinute: Int
    /// Login failures (per account, and per address ×4) before a lockout starts.
    public var loginFailuresBeforeLockout: Int
    /// First lockout; each further failure doubles it, up to `maxLockout`.
    public var baseLockout: TimeInterval
    public var maxLockout: TimeInterval
    /// Take the client address from X-Forwarded-For (only behind a reverse proxy you run).
    public var trustForwardedFor: Bool
    /// The named templates folder (`paths.templates`); `template: NAME` in campaign.yaml reads it.
    public var templates: String
    /// The opt-out file the pipeline honours beside the database (`optout.file`).
    public var optOutFile: String
    /// How numbers are checked (`contacts:`), exactly as the pipeline checks them.
    public var contacts: ContactsConfiguration
    /// How messages are rendered (`message:`: opt-out footer, length limits).
    public var message: MessageConfiguration
    /// How campaign images are prepared (`media:`).
    public var media: MediaConfiguration
    /// The sending time zone (`sending.timezone`), for `{date}`, campaign.yaml times and every
    /// time the pages show.
    public var timeZone: String
    /// Pacing, approval and window defaults (`sending:`), shown beside the New campaign form's fields.
    public var sending: SendingConfiguration
    /// How drops are taken (`watch:`): how long a drop missing a part is waited for.
    public var watch: WatchConfiguration
    /// The configured session names (`whatsapp.sessions`), offered as sending numbers.
    public var sessionNames: [String]
    /// The auto-reply bot's rules (`autoreply.yaml` beside `pipeline.yaml`), edited by admins.
    public var autoReplyFile: String
    /// Hours after which a message the server took without a delivery receipt is stuck at "sent"
    /// (`reports.delivery_alert_hours`), for the Results' funnel.
    public var deliveryAlertHours = 24

    public init(host: String = "127.0.0.1", port: Int = 8080, inbox: String, outbox: String, uploads: String, jwtSecret: String,
                initialAdmin: (username: String, password: String)? = nil, sessionLifetime: TimeInterval = 12 * 3600,
                secureCookies: Bool = false, maxRequestBytes: Int = 64 * 1024 * 1024, maxFileBytes: Int = 32 * 1024 * 1024,
                eventInterval: Duration = .seconds(1), requestsPerMinute: Int = 600, loginFailuresBeforeLockout: Int = 5,
                baseLockout: TimeInterval = 30, maxLockout: TimeInterval = 3600, trustForwardedFor: Bool = false,
                templates: String? = nil, optOutFile: String? = nil, contacts: ContactsConfiguration = .init(),
                message: MessageConfiguration = .init(), media: MediaConfiguration = .init(), timeZone: String = "Asia/Jakarta",
                sending: SendingConfiguration = .init(), watch: WatchConfiguration = .init(), sessionNames: [String] = ["utama"],
                autoReplyFile: String? = nil) {
        self.host = host
        self.port = port
        self.inbox = inbox
        self.outbox = outbox
        self.uploads = uploads
        self.jwtSecret = jwtSecret
        self.initialAdmin = initialAdmin
        self.sessionLifetime = sessionLifetime
        self.secureCookies = secureCookies
        self.maxRequestBytes = maxRequestBytes
        self.maxFileBytes = maxFileBytes
        self.eventInterval = eventInterval
        self.requestsPerMinute = requestsPerMinute
        self.loginFailuresBeforeLockout = loginFailuresBeforeLockout
        self.baseLockout = baseLockout
        self.maxLockout = maxLockout
        self.trustForwardedFor = trustForwardedFor
        // Defaults follow the standard layout: templates/ beside inbox/, state/optout.txt beside state/uploads.
        self.templates = templates ?? ((inbox as NSString).deletingLastPathComponent as NSString).appendingPathComponent("templates")
        self.optOutFile = optOutFile ?? ((uploads as NSString).deletingLastPathComponent as NSString).appendingPathComponent("optout.txt")
        self.contacts = contacts
        self.message = message
        self.media = media
        self.timeZone = timeZone
        self.sending = sending
        self.watch = watch
        self.sessionNames = sessionNames
        self.autoReplyFile = autoReplyFile ?? ((inbox as NSString).deletingLastPathComponent as NSString).appendingPathComponent("autoreply.yaml")
    }
}
