/// What a dashboard user may do. Viewers read; operators also upload, start, pause and resume;
/// admins also manage WhatsApp sessions and users.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    case viewer, `operator`, admin

    var rank: Int {
        switch self {
        case .viewer: 0
        case .operator: 1
        case .admin: 2
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }

    /// Whether this role includes everything `needed` may do.
    public func allows(_ needed: Role) -> Bool { self >= needed }
}
