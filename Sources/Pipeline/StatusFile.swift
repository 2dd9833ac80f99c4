public import Foundation
public import Store

/// `outbox/<campaign>/status.json`, replaced atomically so readers never see half a file.
public struct CampaignStatus: Codable, Sendable, Equatable {
    public var campaign: String
    public var name: String
    public var state: String
    public var total: Int
    public var pending: Int
    public var sent: Int
    public var delivered: Int
    public var read: Int
    public var replied: Int
    public var failed: Int
    public var started_at: String?
    public var updated_at: String
    /// Estimated seconds until the last message is sent, from the pacing delays.
    public var eta: Int?
    /// Why nothing moves right now although the campaign is not paused (the database cannot be
    /// reached); absent when all is well.
    public var waiting: String?

    public init(campaign: CampaignRecord, counts: MessageCounts, now: Date, averageDelay: Double) {
        let iso = ISO8601DateFormatter()
        self.campaign = campaign.id
        self.name = campaign.name
        self.state = campaign.state.rawValue
        self.total = counts.total
        self.pending = counts.pending + counts.sending + counts.retrying
        self.sent = counts.sent + counts.delivered + counts.read
        self.delivered = counts.delivered + counts.read
        self.read = counts.read
        self.replied = counts.replied
        self.failed = counts.failed
        self.started_at = campaign.startedAt.map { iso.string(from: $0) }
        self.updated_at = iso.string(from: now)
        self.eta = campaign.state == .sending ? Int((Double(pending) * averageDelay).rounded()) : nil
    }

    /// Says in an existing status.json why the campaign is waiting, without the database (which
    /// is what it waits for); the next regular write clears it.
    public static func markWaiting(in folder: String, reason: String, now: Date) {
        let path = (folder as NSString).appendingPathComponent("status.json")
        guard let data = FileManager.default.contents(atPath: path),
              var status = try? JSONDecoder().decode(CampaignStatus.self, from: data) else { return }
        status.waiting = reason
        status.updated_at = ISO8601DateFormatter().string(from: now)
        try? status.write(to: folder)
    }

    public func write(to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("status.json")), options: .atomic)
    }
}
