public import Foundation

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

    public init(host: String = "127.0.0.1", port: Int = 8080, inbox: String, outbox: String, uploads: String, jwtSecret: String,
                initialAdmin: (username: String, password: String)? = nil, sessionLifetime: TimeInterval = 12 * 3600,
                secureCookies: Bool = false, maxRequestBytes: Int = 64 * 1024 * 1024, maxFileBytes: Int = 32 * 1024 * 1024,
                eventInterval: Duration = .seconds(1), requestsPerMinute: Int = 600, loginFailuresBeforeLockout: Int = 5,
                baseLockout: TimeInterval = 30, maxLockout: TimeInterval = 3600, trustForwardedFor: Bool = false) {
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
    }
}
