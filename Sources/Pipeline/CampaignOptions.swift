public import Foundation
import Yams

/// What `campaign.yaml` in a drop may set. Every key is optional; unknown keys and wrong values are
/// refused with the line and column, like pipeline.yaml.
public struct CampaignOptions: Sendable, Equatable, Codable {
    public var name: String?
    /// When to start sending; ISO-8601 with an offset, or `YYYY-MM-DD HH:MM` in `timezone`.
    public var sendAt: Date?
    public var sessions: [String]?
    public var delayMinimum: Double?
    public var delayMaximum: Double?
    /// Message variants given here instead of `---` in message.txt.
    public var variants: [String]?
    public var template: String?
    public var approvalRequired: Bool?
    public var priority: Int = 0
    /// Send again even though the same content was sent before.
    public var resend = false

    public init() {}

    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        public var message: String
        public var description: String { line > 0 ? "campaign.yaml:\(line):\(column): \(message)" : "campaign.yaml: \(message)" }

        public init(line: Int, column: Int, message: String) {
            self.line = line
            self.column = column
            self.message = message
        }
    }

    static let keys = ["name", "send_at", "timezone", "sessions", "delay", "variants", "template", "approval", "priority", "resend"]

    /// Parses the file's text; `defaultTimeZone` applies to `send_at` without an offset.
    public static func parse(_ text: String, defaultTimeZone: String) throws -> CampaignOptions {
        var options = CampaignOptions()
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw Problem(line: 0, column: 0, message: "not valid YAML: \(error)")
        }
        guard let root else { return options }
        guard let mapping = root.mapping else {
            throw Problem(line: root.mark?.line ?? 0, column: root.mark?.column ?? 0, message: "must be 'key: value' lines")
        }
        func problem(_ node: Node, _ message: String) -> Problem {
            Problem(line: node.mark?.line ?? 0, column: node.mark?.column ?? 0, message: message)
        }
        let zoneName = mapping["timezone"]?.string ?? defaultTimeZone
        guard let zone = TimeZone(identifier: zoneName) else {
            throw problem(mapping["timezone"]!, "'timezone' is not a known time zone: '\(zoneName)'")
        }
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            switch key {
            case "name":
                options.name = value.string
            case "send_at":
                guard let text = value.string, let date = parseDate(text, zone: zone) else {
                    throw problem(value, "'send_at' must look like 2026-11-28T09:00:00+07:00 or 2026-11-28 09:00 (in 'timezone')")
                }
                options.sendAt = date
            case "timezone":
                break
            case "sessions":
                guard let list = value.sequence?.compactMap(\.string), !list.isEmpty else {
                    throw problem(value, "'sessions' must be a list of session names, such as [utama]")
                }
                options.sessions = list
            case "delay":
                guard let min = value["min"].flatMap({ Double($0.string ?? "") }), let max = value["max"].flatMap({ Double($0.string ?? "") }),
                      min >= 0, max >= min else {
                    throw problem(value, "'delay' must be {min: SECONDS, max: SECONDS} with 0 ≤ min ≤ max")
                }
                options.delayMinimum = min
                options.delayMaximum = max
            case "variants":
                guard let list = value.sequence?.compactMap(\.string), !list.isEmpty else {
                    throw problem(value, "'variants' must be a list of message texts")
                }
                options.variants = list
            case "template":
                options.template = value.string
            case "approval":
                switch value.string {
                case "required": options.approvalRequired = true
                case "none": options.approvalRequired = false
                default: throw problem(value, "'approval' must be none or required")
                }
            case "priority":
                guard let priority = value.string.flatMap(Int.init) else { throw problem(value, "'priority' must be a whole number") }
                options.priority = priority
            case "resend":
                guard let flag = value.bool else { throw problem(value, "'resend' must be true or false") }
                options.resend = flag
            default:
                throw problem(keyNode, "unknown key '\(key)'; expected one of: \(keys.joined(separator: ", "))")
            }
        }
        return options
    }

    static func parseDate(_ text: String, zone: TimeZone) -> Date? {
        let iso = ISO8601DateFormatter()
        if let date = iso.date(from: text) { return date }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        for format in ["yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
