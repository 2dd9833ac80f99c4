import Foundation
public import AIWriting
public import Hummingbird
public import Logging
public import Store

/// The dashboard's shared parts and its router: API under `/api`, pages at the root,
/// static CSS and script under `/assets`. `DashboardService` serves it; tests drive `router()`.
public final class Dashboard: Sendable {
    public let configuration: DashboardConfiguration
    public let database: SiaranDatabase
    public let users: UserStore
    public let tokens: SessionToken
    public let sessionControl: (any SessionControl)?
    public let loginThrottle: LoginThrottle
    public let requestLimiter: RequestRateLimiter
    /// Drafts and improves messages with the `ai:` model; nil hides every AI button and answers 404.
    public let writer: MessageWriter?
    let audit: AuditLog
    let logger: Logger

    public init(configuration: DashboardConfiguration, database: SiaranDatabase, sessions: (any SessionControl)?,
                logger: Logger, bcryptCost: UInt8 = 12, writer: MessageWriter? = nil) async {
        self.configuration = configuration
        self.database = database
        self.users = UserStore(database: database, bcryptCost: bcryptCost)
        self.tokens = await SessionToken(secret: configuration.jwtSecret, lifetime: configuration.sessionLifetime)
        self.sessionControl = sessions
        self.loginThrottle = LoginThrottle(database: database, allowance: configuration.loginFailuresBeforeLockout,
                                           base: configuration.baseLockout, cap: configuration.maxLockout)
        self.requestLimiter = RequestRateLimiter(perMinute: configuration.requestsPerMinute)
        self.audit = AuditLog(database: database)
        self.logger = logger
        self.writer = writer
    }

    /// Creates the first admin from the environment when nobody can log in yet.
    public func prepare() async throws {
        if let admin = configuration.initialAdmin, try await users.ensureInitialAdmin(username: admin.username, password: admin.password) {
            try await audit.record("system", "user.create", target: admin.username, detail: "first admin from SIARAN_ADMIN_USER/SIARAN_ADMIN_PASSWORD")
            logger.notice("created the first dashboard admin '\(admin.username)'")
        }
    }

    /// Every route, behind the security headers and the auth middleware.
    public func router() -> Router<DashboardContext> {
        let router = Router(context: DashboardContext.self)
        router.add(middleware: SecurityHeadersMiddleware())
        router.add(middleware: AuthMiddleware(dashboard: self))
        addAuthRoutes(to: router)
        addCampaignRoutes(to: router)
        addUploadRoutes(to: router)
        addInboxRoutes(to: router)
        addContactRoutes(to: router)
        addConversationRoutes(to: router)
        addAutoReplyRoutes(to: router)
        addTemplateRoutes(to: router)
        addAIRoutes(to: router)
        addSessionRoutes(to: router)
        addReportRoutes(to: router)
        addUserRoutes(to: router)
        addEventRoutes(to: router)
        addPageRoutes(to: router)
        return router
    }

    /// The outbox folder of one campaign id (named after its drop, stored at intake; the id itself
    /// for campaigns taken before), refusing ids that could name anything else.
    func campaignFolder(_ id: String) async throws -> String {
        try SafeName.check(id, what: "campaign id")
        let name = try await database.campaign(id)?.folderName ?? id
        return (configuration.outbox as NSString).appendingPathComponent(name)
    }
}
