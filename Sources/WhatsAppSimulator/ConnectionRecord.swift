public import Foundation

/// One connection that logged in as a linked device: when it came and when it went. Two
/// processes connecting the same number (the workers of a cluster) show up as two records, so a
/// test can tell which of them sent each message (`AcceptedMessage.connection`).
public struct ConnectionRecord: Sendable, Equatable {
    public var connection: Int
    public var phone: String
    public var deviceId: UInt16
    public var loggedInAt: Date
    /// nil while the connection is open.
    public var closedAt: Date?
}
