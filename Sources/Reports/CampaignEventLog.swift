public import Foundation
public import Logging
import Synchronization

/// `outbox/<campaign>/logs.txt`: one line per message event, append-only, each line handed to
/// the kernel at once (`O_APPEND`, one `write(2)`), rotated by size keeping `keep` old files:
///
///     2025-11-25T08:00:04.120+07:00 INFO  campaign=promo phone=6281234567890 message=3EB0… status=sent reason=-
///
/// Events are mirrored to the global log through `logger` (if given) with the same fields as
/// dotted metadata, so `outbox/logs.txt` holds them too.
public final class CampaignEventLog: Sendable {
    public let outbox: String
    private let maxBytes: Int
    private let keep: Int
    private let timeZone: TimeZone
    private let logger: Logger?
    private let files = Mutex<[String: LogFile]>([:])
    /// Each campaign's folder in `outbox/` (named after its drop); a campaign not listed uses its id.
    private let folders = Mutex<[String: String]>([:])

    /// One event's severity: failures are errors, retries warnings, everything else info.
    public enum Level: String, Sendable {
        case info = "INFO "
        case warning = "WARN "
        case error = "ERROR"
    }

    public init(outbox: String, maxBytes: Int = 10 * 1024 * 1024, keep: Int = 5, timeZone: TimeZone, logger: Logger? = nil) {
        self.outbox = outbox
        self.maxBytes = maxBytes
        self.keep = keep
        self.timeZone = timeZone
        self.logger = logger
    }

    /// The path of a campaign's log.
    public func path(of campaign: String) -> String {
        ((outbox as NSString).appendingPathComponent(folder(for: campaign) ?? campaign) as NSString).appendingPathComponent("logs.txt")
    }

    /// Tells the log which folder in `outbox/` holds `campaign`'s files.
    public func setFolder(_ folder: String, for campaign: String) {
        folders.withLock { folders in
            if folders.count >= 4096 { folders.removeAll() }
            folders[campaign] = folder
        }
    }

    /// The folder set for `campaign`, if any.
    public func folder(for campaign: String) -> String? { folders.withLock { $0[campaign] } }

    /// Appends one event. Never throws: a log that cannot be written must not stop a campaign;
    /// the failure goes to the global log instead.
    public func record(campaign: String, phone: String?, messageID: String?, status: String, reason: String? = nil,
                       level: Level = .info, at date: Date = Date()) {
        let line = Self.format(date: date, timeZone: timeZone, level: level, campaign: campaign, phone: phone,
                               messageID: messageID, status: status, reason: reason)
        do {
            try file(for: campaign).append(line: line)
        } catch {
            logger?.error("campaign log cannot be written", metadata: ["campaign.id": "\(campaign)", "error": "\(error)"])
        }
        guard let logger else { return }
        var metadata: Logger.Metadata = ["campaign.id": "\(campaign)", "message.status": "\(status)"]
        if let phone { metadata["message.phone"] = "\(phone)" }
        if let messageID { metadata["message.id"] = "\(messageID)" }
        if let reason { metadata["message.reason"] = "\(reason)" }
        switch level {
        case .info: logger.info("message \(status)", metadata: metadata)
        case .warning: logger.warning("message \(status)", metadata: metadata)
        case .error: logger.error("message \(status)", metadata: metadata)
        }
    }

    /// Closes the files of finished campaigns.
    public func close(campaign: String) {
        _ = files.withLock { $0.removeValue(forKey: campaign) }
    }

    private func file(for campaign: String) throws -> LogFile {
        try files.withLock { files in
            if let file = files[campaign] { return file }
            let file = try LogFile(path: path(of: campaign), maxBytes: maxBytes, keep: keep)
            // Bound open descriptors when a daemon runs many campaigns over months.
            if files.count >= 64 { files.removeAll() }
            files[campaign] = file
            return file
        }
    }

    /// One line: time with offset, level, then `key=value` fields (quoted when they hold spaces).
    public static func format(date: Date, timeZone: TimeZone, level: Level, campaign: String, phone: String?, messageID: String?,
                              status: String, reason: String?) -> String {
        func field(_ value: String?) -> String {
            guard let value, !value.isEmpty else { return "-" }
            let flat = value.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
            guard flat.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" }) else { return flat }
            return "\"" + flat.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return "\(LocalTimeFormatter.iso8601(date, timeZone: timeZone, milliseconds: true)) \(level.rawValue) campaign=\(field(campaign)) phone=\(field(phone)) "
            + "message=\(field(messageID)) status=\(field(status)) reason=\(field(reason))"
    }
}
