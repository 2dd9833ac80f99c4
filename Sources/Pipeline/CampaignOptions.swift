public import Foundation
import Reports
import Yams

/// What `campaign.yaml` in a drop may set. Every key is optional; unknown keys and wrong values are
/// refused with the line and column, like pipeline.yaml.
///
/// One validator (``check(_:_:zone:into:)``) checks every option, whether it comes from
/// `campaign.yaml` or from the dashboard's New campaign form, so both refuse the same things with
/// the same words (English and Bahasa Indonesia).
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
    /// The engagement guard for this campaign: 0 turns it off, N holds back contacts who ignored
    /// their last N campaigns; nil follows `sending.unengaged_campaigns`.
    public var engagementGuard: Int?
    /// Which contacts of the list to send to (``Segment`` syntax); several conditions given as a
    /// list are joined with `and`.
    public var segment: String?
    /// Test, then send the winner: the variants go to a sample first (`ab_test:`).
    public var abTest: ABTestOptions?
    /// `send_time: best`: each contact gets the message at the hour they read or replied most in
    /// past real campaigns (``SendTimePlan``); nil or false keeps the campaign's order.
    public var bestSendTime: Bool?

    public init() {}

    /// A mistake in `campaign.yaml` (with its place) or in one field of the form (`field`).
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        public var message: String
        /// The same in Bahasa Indonesia.
        public var indonesian: String
        /// The option it is about (`send_at`, `delay`, …); nil for the file as a whole.
        public var field: String?

        public var description: String { line > 0 ? "campaign.yaml:\(line):\(column): \(message)" : "campaign.yaml: \(message)" }
        public var indonesianDescription: String {
            line > 0 ? "campaign.yaml baris \(line) kolom \(column): \(indonesian)" : "campaign.yaml: \(indonesian)"
        }

        public init(line: Int, column: Int, message: String, indonesian: String? = nil, field: String? = nil) {
            self.line = line
            self.column = column
            self.message = message
            self.indonesian = indonesian ?? message
            self.field = field
        }
    }

    /// One option's value before it is checked, as `campaign.yaml` or a form gives it.
    public enum Value: Sendable, Equatable {
        case text(String)
        case list([String])
        case pairs([String: String])
    }

    /// Why one value is refused, in both languages.
    public struct FieldProblem: Error, Sendable, Equatable {
        public var field: String
        public var english: String
        public var indonesian: String
        /// Where in the value the mistake is (characters from its start), for segment syntax.
        public var offset = 0
        /// Which item of a list value the mistake is in.
        public var item: Int?
    }

    public static let keys = ["name", "send_at", "timezone", "sessions", "delay", "variants", "template", "approval", "priority", "resend",
                              "engagement_guard", "segment", "ab_test", "send_time"]

    /// Checks one option and stores it in `options`: the only place the rules live.
    public static func check(_ key: String, _ value: Value, zone: TimeZone, into options: inout CampaignOptions) throws(FieldProblem) {
        func refuse(_ english: String, _ indonesian: String) -> FieldProblem { FieldProblem(field: key, english: english, indonesian: indonesian) }
        switch key {
        case "name":
            guard case .text(let text) = value else { throw refuse("'name' must be text", "'name' harus berupa teks") }
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard trimmed.count <= 200 else { throw refuse("'name' is longer than 200 characters", "'name' lebih dari 200 karakter") }
            options.name = trimmed.isEmpty ? nil : trimmed
        case "send_at":
            guard case .text(let text) = value, let date = parseDate(text.trimmingCharacters(in: .whitespaces), zone: zone) else {
                throw refuse("'send_at' must look like 2026-11-28T09:00:00+07:00 or 2026-11-28 09:00 (in 'timezone')",
                             "'send_at' harus berbentuk 2026-11-28T09:00:00+07:00 atau 2026-11-28 09:00 (menurut 'timezone')")
            }
            options.sendAt = date
        case "timezone":
            guard case .text(let name) = value, TimeZone(identifier: name) != nil else {
                throw refuse("'timezone' is not a known time zone (use a name such as Asia/Jakarta)",
                             "'timezone' bukan zona waktu yang dikenal (pakai nama seperti Asia/Jakarta)")
            }
        case "sessions":
            guard case .list(let names) = value, !names.isEmpty,
                  names.allSatisfy({ !$0.isEmpty && $0.count <= 32 && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") } })
            else {
                throw refuse("'sessions' must be a list of session names, such as [utama]",
                             "'sessions' harus berupa daftar nama sesi, misalnya [utama]")
            }
            options.sessions = names
        case "delay":
            guard case .pairs(let pairs) = value, Set(pairs.keys).isSubset(of: ["min", "max"]),
                  let min = pairs["min"].flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }),
                  let max = pairs["max"].flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }),
                  min.isFinite, max.isFinite, min >= 0, max >= min, max <= 3600
            else {
                throw refuse("'delay' must be {min: SECONDS, max: SECONDS} with 0 ≤ min ≤ max ≤ 3600",
                             "'delay' harus {min: DETIK, max: DETIK} dengan 0 ≤ min ≤ max ≤ 3600")
            }
            options.delayMinimum = min
            options.delayMaximum = max
        case "variants":
            guard case .list(let texts) = value, !texts.isEmpty,
                  texts.allSatisfy({ !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) else {
                throw refuse("'variants' must be a list of message texts, none of them empty",
                             "'variants' harus berupa daftar teks pesan, tidak ada yang kosong")
            }
            options.variants = texts
        case "template":
            guard case .text(let name) = value, !name.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw refuse("'template' must be the name of a template in the templates folder", "'template' harus nama templat di folder templates")
            }
            options.template = name.trimmingCharacters(in: .whitespaces)
        case "approval":
            switch value {
            case .text("required"): options.approvalRequired = true
            case .text("none"): options.approvalRequired = false
            default: throw refuse("'approval' must be none or required", "'approval' harus none atau required")
            }
        case "priority":
            guard case .text(let text) = value, let priority = Int(text.trimmingCharacters(in: .whitespaces)), (-1000...1000).contains(priority) else {
                throw refuse("'priority' must be a whole number from -1000 to 1000", "'priority' harus bilangan bulat dari -1000 sampai 1000")
            }
            options.priority = priority
        case "resend":
            guard case .text(let text) = value, let flag = Self.bool(text) else {
                throw refuse("'resend' must be true or false", "'resend' harus true atau false")
            }
            options.resend = flag
        case "engagement_guard":
            guard case .text(let text) = value else { throw refuse("'engagement_guard' must be off, on, or a number of campaigns (1-100)", "'engagement_guard' harus off, on, atau jumlah kampanye (1-100)") }
            let word = text.trimmingCharacters(in: .whitespaces).lowercased()
            if Self.bool(word) == false {
                options.engagementGuard = 0
            } else if Self.bool(word) == true {
                options.engagementGuard = nil
            } else if let count = Int(word), (1...100).contains(count) {
                options.engagementGuard = count
            } else {
                throw refuse("'engagement_guard' must be off, on, or a number of campaigns (1-100)", "'engagement_guard' harus off, on, atau jumlah kampanye (1-100)")
            }
        case "send_time":
            guard case .text(let text) = value, ["best", "order"].contains(text.trimmingCharacters(in: .whitespaces).lowercased()) else {
                throw refuse("'send_time' must be best (each contact at the hour they read or replied most) or order (the list's order)",
                             "'send_time' harus best (setiap kontak pada jam ia paling sering membaca atau membalas) atau order (urutan daftar)")
            }
            options.bestSendTime = text.trimmingCharacters(in: .whitespaces).lowercased() == "best" ? true : nil
        case "ab_test":
            guard case .pairs(let pairs) = value else {
                throw refuse("'ab_test' must be {sample: 20%, metric: replied, wait: 2h, min_per_variant: 50, fallback: first}",
                             "'ab_test' harus {sample: 20%, metric: replied, wait: 2h, min_per_variant: 50, fallback: first}")
            }
            do { options.abTest = try ABTestOptions(pairs) } catch { throw FieldProblem(field: key, english: "'ab_test': \(error.english)", indonesian: "'ab_test': \(error.indonesian)") }
        case "segment":
            let parts: [String]
            switch value {
            case .text(let text): parts = [text]
            case .list(let items) where !items.isEmpty: parts = items
            default: throw refuse("'segment' must be conditions such as: city = Jakarta and replied within 30 days",
                                  "'segment' harus berupa syarat seperti: city = Jakarta and replied within 30 days")
            }
            for (index, part) in parts.enumerated() {
                do {
                    _ = try Segment.parse(part)
                } catch {
                    var problem = refuse("'segment': \(error.english)", "'segment': \(error.indonesian)")
                    problem.offset = error.offset
                    problem.item = parts.count > 1 || { if case .list = value { true } else { false } }() ? index : nil
                    throw problem
                }
            }
            options.segment = parts.count == 1 ? parts[0] : parts.map { "(\($0))" }.joined(separator: " and ")
        default:
            throw refuse("unknown key '\(key)'; expected one of: \(keys.joined(separator: ", "))",
                         "kunci '\(key)' tidak dikenal; yang ada: \(keys.joined(separator: ", "))")
        }
    }

    /// Parses the file's text; `defaultTimeZone` applies to `send_at` without an offset.
    public static func parse(_ text: String, defaultTimeZone: String) throws(Problem) -> CampaignOptions {
        try parseWithKeys(text, defaultTimeZone: defaultTimeZone).options
    }

    /// Parses the file's text and says which keys it set (the form refuses setting one twice).
    public static func parseWithKeys(_ text: String, defaultTimeZone: String) throws(Problem) -> (options: CampaignOptions, keys: Set<String>) {
        var options = CampaignOptions()
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw Problem(line: 0, column: 0, message: "not valid YAML: \(error)", indonesian: "bukan YAML yang valid: \(error)")
        }
        guard let root else { return (options, []) }
        guard let mapping = root.mapping else {
            throw Problem(line: root.mark?.line ?? 0, column: root.mark?.column ?? 0, message: "must be 'key: value' lines",
                          indonesian: "harus berupa baris 'kunci: nilai'")
        }
        func problem(_ node: Node, _ failure: FieldProblem) -> Problem {
            var node = node
            if let item = failure.item, case .sequence(let sequence) = node, item < sequence.count { node = sequence[item] }
            // A quoted scalar's text starts one column after its mark.
            var quoted = 0
            if case .scalar(let scalar) = node, [.singleQuoted, .doubleQuoted].contains(scalar.style) { quoted = 1 }
            let column = (node.mark?.column ?? 0) + (failure.offset > 0 || quoted > 0 ? failure.offset + quoted : 0)
            return Problem(line: node.mark?.line ?? 0, column: column, message: failure.english, indonesian: failure.indonesian, field: failure.field)
        }
        var zone = TimeZone(identifier: defaultTimeZone) ?? .current
        if let node = mapping["timezone"] {
            var ignored = CampaignOptions()
            do { try check("timezone", value(of: node), zone: zone, into: &ignored) } catch { throw problem(node, error) }
            zone = TimeZone(identifier: node.string ?? "") ?? zone
        }
        var keys = Set<String>()
        for (keyNode, valueNode) in mapping {
            let key = keyNode.string ?? ""
            guard Self.keys.contains(key) else {
                throw Problem(line: keyNode.mark?.line ?? 0, column: keyNode.mark?.column ?? 0,
                              message: "unknown key '\(key)'; expected one of: \(Self.keys.joined(separator: ", "))",
                              indonesian: "kunci '\(key)' tidak dikenal; yang ada: \(Self.keys.joined(separator: ", "))", field: nil)
            }
            do { try check(key, value(of: valueNode), zone: zone, into: &options) } catch { throw problem(valueNode, error) }
            keys.insert(key)
        }
        return (options, keys)
    }

    /// A YAML node as a ``Value``: scalars as text, sequences of scalars as lists, mappings as pairs.
    static func value(of node: Node) -> Value {
        switch node {
        case .scalar(let scalar): return .text(scalar.string)
        case .sequence(let sequence): return .list(sequence.map { $0.string ?? "" })
        case .mapping(let mapping):
            var pairs: [String: String] = [:]
            for (key, value) in mapping { pairs[key.string ?? ""] = value.string ?? "" }
            return .pairs(pairs)
        case .alias: return .text("")
        }
    }

    /// Checks the options a form gives (key and value, in the form's order); every refused field is
    /// reported, not only the first.
    public static func checkForm(_ fields: [(key: String, value: Value)], defaultTimeZone: String) -> (options: CampaignOptions, problems: [FieldProblem]) {
        var options = CampaignOptions()
        var problems: [FieldProblem] = []
        let zone = TimeZone(identifier: defaultTimeZone) ?? .current
        for (key, value) in fields {
            do { try check(key, value, zone: zone, into: &options) } catch { problems.append(error) }
        }
        return (options, problems)
    }

    /// The options as `campaign.yaml` text that ``parse(_:defaultTimeZone:)`` reads back to the same
    /// options: what the dashboard drops for a campaign made with its form. `send_at` carries its
    /// offset, so no `timezone:` line is needed.
    public func yaml(timeZone: TimeZone) -> String {
        func quoted(_ text: String) -> String {
            // A JSON string is a valid YAML double-quoted scalar.
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            return (try? String(decoding: encoder.encode(text), as: UTF8.self)) ?? "\"\""
        }
        func number(_ value: Double) -> String { value == value.rounded() && abs(value) < 1e9 ? String(Int(value)) : String(value) }
        var lines: [String] = []
        if let name { lines.append("name: \(quoted(name))") }
        if let sendAt { lines.append("send_at: \(LocalTimeFormatter.iso8601(sendAt, timeZone: timeZone))") }
        if let sessions { lines.append("sessions: [\(sessions.map(quoted).joined(separator: ", "))]") }
        if let delayMinimum, let delayMaximum { lines.append("delay: {min: \(number(delayMinimum)), max: \(number(delayMaximum))}") }
        if let variants {
            lines.append("variants:")
            lines += variants.map { "  - \(quoted($0))" }
        }
        if let template { lines.append("template: \(quoted(template))") }
        if let approvalRequired { lines.append("approval: \(approvalRequired ? "required" : "none")") }
        if priority != 0 { lines.append("priority: \(priority)") }
        if resend { lines.append("resend: true") }
        if let engagementGuard { lines.append("engagement_guard: \(engagementGuard == 0 ? "off" : String(engagementGuard))") }
        if let segment { lines.append("segment: \(quoted(segment))") }
        if let abTest { lines.append("ab_test: \(abTest.yaml)") }
        if bestSendTime == true { lines.append("send_time: best") }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }

    static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on": true
        case "false", "no", "off": false
        default: nil
        }
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
