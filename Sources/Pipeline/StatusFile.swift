public import Foundation
import Reports
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
    /// Times in the configured zone with its offset (`2026-12-03T16:58:00+07:00`).
    public var started_at: String?
    public var updated_at: String
    /// Estimated seconds until the last message is sent: pacing delays, batch rests and the
    /// hours outside the sending window.
    public var eta: Int?
    /// Why nothing moves right now although the campaign is not paused (the database cannot be
    /// reached); absent when all is well.
    public var waiting: String?
    /// When the last message should be sent (`updated_at` plus `eta`), in the configured zone.
    public var eta_at: String?
    /// The configured zone of every time in the file (absent in files written before it was added).
    public var time_zone: String?
    /// The campaign's folder in `outbox/`.
    public var folder: String?

    /// - Parameters:
    ///   - averageDelay: the campaign's mean pause between messages (its `delay:` or the configured one).
    ///   - sending: pacing, batches and the sending window the estimate follows.
    public init(campaign: CampaignRecord, counts: MessageCounts, now: Date, averageDelay: Double, sending: SendingConfiguration, timeZone: TimeZone) {
        var times = LocalTimeFormatter(timeZone: timeZone)
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
        self.started_at = campaign.startedAt.map { times.iso8601($0) }
        self.updated_at = times.iso8601(now)
        let finish = campaign.state == .sending
            ? SendingEstimate.finish(pending: pending, averageDelay: averageDelay, sending: sending, now: now) : nil
        self.eta = finish.map { Int($0.timeIntervalSince(now).rounded()) }
        self.eta_at = finish.map { times.iso8601($0) }
        self.time_zone = timeZone.identifier
        self.folder = campaign.folderName
    }

    /// Says in an existing status.json why the campaign is waiting, without the database (which
    /// is what it waits for); the next regular write clears it.
    public static func markWaiting(in folder: String, reason: String, now: Date) {
        let path = (folder as NSString).appendingPathComponent("status.json")
        guard let data = FileManager.default.contents(atPath: path),
              var status = try? JSONDecoder().decode(CampaignStatus.self, from: data) else { return }
        status.waiting = reason
        // In the file's own zone, which the daemon wrote it in.
        status.updated_at = LocalTimeFormatter.iso8601(now, timeZone: status.time_zone.flatMap(TimeZone.init(identifier:)) ?? .current)
        try? status.write(to: folder)
    }

    public func write(to folder: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("status.json")), options: .atomic)
    }
}
