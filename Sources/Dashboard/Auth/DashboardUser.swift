public import Foundation

/// A dashboard account as stored in `users` (the hash never leaves the store).
public struct DashboardUser: Sendable, Equatable, Codable {
    public var id: Int64
    public var username: String
    public var role: Role
    public var createdAt: Date
    public var disabledAt: Date?
    /// Tokens issued before this moment are void (set when the password changes).
    public var tokensValidAfter: Date?

    public init(id: Int64, username: String, role: Role, createdAt: Date, disabledAt: Date? = nil, tokensValidAfter: Date? = nil) {
        self.id = id
        self.username = username
        self.role = role
        self.createdAt = createdAt
        self.disabledAt = disabledAt
        self.tokensValidAfter = tokensValidAfter
    }
}
