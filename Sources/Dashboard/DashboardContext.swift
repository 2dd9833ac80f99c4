public import Hummingbird
import NIOCore

/// The request context of every dashboard route: who is asking (once the auth middleware has
/// read their token) and from which address.
public struct DashboardContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The verified login, if the request carried one.
    public var user: SessionToken.Verified?
    /// True when the login came in the cookie (then unsafe requests need the CSRF token).
    public var viaCookie = false
    /// The peer's address (or the first X-Forwarded-For hop when the dashboard trusts a proxy).
    public var clientAddress: String
    public var maxUploadSize: Int { 64 * 1024 * 1024 }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress ?? "local"
    }

    /// The login, when its role includes `role`; otherwise a 401 (no login) or 403 (too little).
    @discardableResult
    public func require(_ role: Role) throws -> SessionToken.Verified {
        guard let user else { throw DashboardError(.unauthenticated, "log in first (POST /api/login)") }
        guard user.role.allows(role) else {
            throw DashboardError(.forbidden, "this needs the \(role.rawValue) role; '\(user.username)' is \(user.role.rawValue)")
        }
        return user
    }
}
