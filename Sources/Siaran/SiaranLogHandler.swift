public import Logging
public import Foundation
public import Reports

/// Writes each event as one line, to the console (for operators) and to `outbox/logs.txt`:
///
///     2026-11-25T09:30:00.123+07:00 INFO  [pipeline] campaign=promo-nov drop taken
///
/// Metadata whose key names a secret is replaced by `[redacted]`, so a careless
/// `logger.info(..., metadata: ["token": ...])` cannot leak it.
public struct SiaranLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let file: LogFile?
    private let console: Bool
    private let timeZone: TimeZone

    public init(label: String, level: Logger.Level, file: LogFile?, console: Bool, timeZone: TimeZone) {
        self.label = label
        self.logLevel = level
        self.file = file
        self.console = console
        self.timeZone = timeZone
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let line = Self.format(
            date: Date(), timeZone: timeZone, level: event.level, component: label,
            metadata: merged, message: event.message.description
        )
        file?.append(line: line)
        if console {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    /// Metadata keys whose values are never written out.
    static let secretKeyFragments = ["secret", "password", "token", "key", "auth", "cookie", "noise", "private"]

    static func isSecret(_ key: String) -> Bool {
        let lower = key.lowercased()
        return secretKeyFragments.contains { lower.contains($0) }
    }

    static func format(
        date: Date, timeZone: TimeZone, level: Logger.Level, component: String,
        metadata: Logger.Metadata, message: String
    ) -> String {
        var parts = [LocalTimeFormatter.iso8601(date, timeZone: timeZone, milliseconds: true), level.label, "[\(component)]"]
        for key in metadata.keys.sorted() {
            let value = isSecret(key) ? "[redacted]" : "\(metadata[key]!)"
            parts.append("\(key)=\(value.contains(" ") ? "\"\(value)\"" : value)")
        }
        // One event, one line: newlines in a message would break grep and log shippers.
        parts.append(message.replacingOccurrences(of: "\n", with: "\\n"))
        return parts.joined(separator: " ")
    }
}

extension Logger.Level {
    /// Fixed-width level names keep columns aligned in logs.txt.
    var label: String {
        switch self {
        case .trace: "TRACE "
        case .debug: "DEBUG "
        case .info: "INFO  "
        case .notice: "NOTICE"
        case .warning: "WARN  "
        case .error: "ERROR "
        case .critical: "CRIT  "
        }
    }
}
