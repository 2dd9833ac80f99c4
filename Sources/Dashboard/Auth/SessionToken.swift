public import Foundation
internal import JWTKit

/// The claims of a dashboard login (HS256 JWT). `csrf` is the token forms must echo back when
/// the login travels in the cookie.
struct SessionClaims: JWTPayload {
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var iat: IssuedAtClaim
    var iss: IssuerClaim
    /// Names this token, so logout can revoke it alone.
    var jti: IDClaim
    var uid: Int64
    var role: String
    var csrf: String

    func verify(using algorithm: some JWTAlgorithm) throws {
        try exp.verifyNotExpired()
        guard iss.value == SessionToken.issuer else { throw JWTError.claimVerificationFailure(failedClaim: iss, reason: "issuer") }
    }
}

/// Signs and checks login tokens with the daemon's secret.
public struct SessionToken: Sendable {
    static let issuer = "siaran-dashboard"
    let keys: JWTKeyCollection
    let lifetime: TimeInterval

    /// What a valid token says about its holder.
    public struct Verified: Sendable, Equatable {
        public var userID: Int64
        public var username: String
        public var role: Role
        public var csrf: String
        public var expires: Date
        public var tokenID: String
        public var issuedAt: Date
    }

    public init(secret: String, lifetime: TimeInterval) async {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(stringLiteral: secret), digestAlgorithm: .sha256)
        self.keys = keys
        self.lifetime = lifetime
    }

    /// A new token for `user`, with a fresh CSRF secret.
    public func issue(for user: DashboardUser, now: Date = Date()) async throws -> (token: String, claims: Verified) {
        let csrf = RandomToken.make(bytes: 24)
        // Whole seconds: that is what the token carries, and what revocation compares.
        let now = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let claims = SessionClaims(
            sub: .init(value: user.username), exp: .init(value: now.addingTimeInterval(lifetime)), iat: .init(value: now),
            iss: .init(value: Self.issuer), jti: .init(value: RandomToken.make(bytes: 16)), uid: user.id, role: user.role.rawValue, csrf: csrf)
        let token = try await keys.sign(claims)
        return (token, Verified(userID: user.id, username: user.username, role: user.role, csrf: csrf, expires: claims.exp.value,
                                tokenID: claims.jti.value, issuedAt: now))
    }

    /// The claims of a token signed by us and not expired; nil otherwise.
    public func verify(_ token: String) async -> Verified? {
        guard let claims = try? await keys.verify(token, as: SessionClaims.self), let role = Role(rawValue: claims.role) else { return nil }
        return Verified(userID: claims.uid, username: claims.sub.value, role: role, csrf: claims.csrf, expires: claims.exp.value,
                        tokenID: claims.jti.value, issuedAt: claims.iat.value)
    }
}
