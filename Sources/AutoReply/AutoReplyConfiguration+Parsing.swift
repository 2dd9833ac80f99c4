public import Foundation
import Templates
import Yams

/// A problem in `autoreply.yaml` at one place.
public struct AutoReplyIssue: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based; 0 when the problem is not at one place.
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `FILE:LINE:COL: message`, as `siaran config check` prints pipeline.yaml's problems.
    public var description: String {
        line > 0 ? "\(file):\(line):\(column): \(message)" : "\(file): \(message)"
    }
}

/// `autoreply.yaml` could not be used; every problem found, in file order.
public struct AutoReplyConfigurationError: Error, Sendable, CustomStringConvertible {
    public var issues: [AutoReplyIssue]
    public var description: String { issues.map(\.description).joined(separator: "\n") }
}

extension AutoReplyConfiguration {
    /// Reads the file beside `pipeline.yaml`; nil when there is none (no bot).
    public static func load(file path: String, defaultTimeZone: String) throws(AutoReplyConfigurationError) -> AutoReplyConfiguration? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AutoReplyConfigurationError(issues: [.init(file: path, line: 0, column: 0, message: "cannot read the file")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw AutoReplyConfigurationError(issues: [.init(file: path, line: 0, column: 0, message: "the file is not UTF-8 text")])
        }
        return try parse(text, file: path, defaultTimeZone: defaultTimeZone)
    }

    /// Parses and checks the text of `autoreply.yaml`; `file` names it in the problems.
    public static func parse(_ text: String, file: String, defaultTimeZone: String) throws(AutoReplyConfigurationError) -> AutoReplyConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw AutoReplyConfigurationError(issues: [issue(from: error, file: file)])
        } catch {
            throw AutoReplyConfigurationError(issues: [.init(file: file, line: 0, column: 0, message: "YAML error: \(error)")])
        }
        var reader = Reader(file: file)
        let configuration = reader.read(root, defaultTimeZone: defaultTimeZone)
        if !reader.issues.isEmpty {
            throw AutoReplyConfigurationError(issues: reader.issues.sorted { ($0.line, $0.column) < ($1.line, $1.column) })
        }
        return configuration
    }

    private static func issue(from error: YamlError, file: String) -> AutoReplyIssue {
        let problem = YAMLProblem(error)
        return .init(file: file, line: problem.line, column: problem.column, message: problem.message)
    }
}

/// Walks the parsed document, collecting every problem with its place.
private struct Reader {
    let file: String
    var issues: [AutoReplyIssue] = []

    init(file: String) {
        self.file = file
    }

    mutating func report(_ message: String, at node: Node?) {
        issues.append(.init(file: file, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, message: message))
    }

    mutating func read(_ root: Node?, defaultTimeZone: String) -> AutoReplyConfiguration {
        var c = AutoReplyConfiguration(timeZone: TimeZone(identifier: defaultTimeZone) ?? TimeZone(identifier: "Asia/Jakarta")!)
        guard let root else { return c }
        guard case .mapping(let top) = root else {
            report("autoreply.yaml must be a mapping of keys (rules:, default:, …), found \(root.kindName)", at: root)
            return c
        }
        let known = ["enabled", "time_zone", "cooldown", "daily_cap", "loop_guard", "business_hours", "away", "default", "opt_out_confirmation", "rules"]
        unknownKeys(top, known: known, path: "")
        if let node = top["enabled"] { c.enabled = bool(node, "enabled") ?? c.enabled }
        if let node = top["time_zone"] {
            if let name = string(node, "time_zone") {
                if let zone = TimeZone(identifier: name) { c.timeZone = zone } else {
                    report("'time_zone' is not a time zone name: '\(name)' (for example Asia/Jakarta, Asia/Makassar, Asia/Jayapura)", at: node)
                }
            }
        }
        if let node = top["cooldown"] { c.cooldown = duration(node, "cooldown", range: 60...(30 * 86_400)) ?? c.cooldown }
        if let node = top["daily_cap"] { c.dailyCap = int(node, "daily_cap", range: 1...100) ?? c.dailyCap }
        if let node = top["loop_guard"] { c.loopGuard = duration(node, "loop_guard", range: 1...3600) ?? c.loopGuard }
        if let node = top["business_hours"] { c.businessHours = businessHours(node) }
        if let node = top["away"] { c.away = answer(node, "away") }
        if let node = top["default"] { c.defaultAnswer = answer(node, "default") }
        if let node = top["opt_out_confirmation"] {
            c.optOutConfirmation = answer(node, "opt_out_confirmation")
        } else {
            c.optOutConfirmation = try? AnswerTemplate(source: Self.defaultConfirmation)
        }
        if c.away != nil && top["business_hours"] == nil, let node = top["away"] {
            report("'away' needs 'business_hours' (days, open, close) to know when staff are away", at: node)
        }
        if let node = top["rules"] { c.rules = rules(node) }
        return c
    }

    static let defaultConfirmation = "Baik, nomor Anda tidak akan menerima pesan promosi dari kami lagi. / You will not get promotional messages from us again."

    mutating func rules(_ node: Node) -> [AutoReplyRule] {
        guard case .sequence(let items) = node else {
            report("'rules' must be a list of rules (each with name, keywords or regex, and answer), found \(node.kindName)", at: node)
            return []
        }
        var rules: [AutoReplyRule] = []
        var names: Set<String> = []
        for (index, item) in items.enumerated() {
            let path = "rules[\(index + 1)]"
            guard case .mapping(let rule) = item else {
                report("'\(path)' must be a mapping with name, keywords or regex, and answer, found \(item.kindName)", at: item)
                continue
            }
            unknownKeys(rule, known: ["name", "keywords", "regex", "answer", "cooldown"], path: path)
            var name = "rule-\(index + 1)"
            if let node = rule["name"], let text = string(node, "\(path).name") {
                let trimmed = text.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty || trimmed.count > 40 || !trimmed.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) {
                    report("'\(path).name' must be 1–40 letters, digits, - or _, found '\(text)'", at: node)
                } else if AutoReplyConfiguration.reservedNames.contains(trimmed.lowercased()) {
                    report("'\(path).name' '\(trimmed)' is the name of a built-in answer (opt-out, away, default); choose another", at: node)
                } else if names.contains(trimmed.lowercased()) {
                    report("'\(path).name' '\(trimmed)' is used by an earlier rule; each rule needs its own name (the cooldown is kept per name)", at: node)
                } else {
                    name = trimmed
                }
            } else if rule["name"] == nil {
                report("'\(path)' has no 'name'; give each rule a short name (it is shown in the Inbox and counted for the cooldown)", at: item)
            }
            names.insert(name.lowercased())
            var trigger: AutoReplyRule.Trigger?
            switch (rule["keywords"], rule["regex"]) {
            case (let keywords?, nil):
                let words = stringList(keywords, "\(path).keywords")
                var parsed: [Keyword] = []
                for word in words {
                    let keyword = Keyword(word)
                    if keyword.words.isEmpty {
                        report("'\(path).keywords' has '\(word)', which holds no letters or digits to match", at: keywords)
                    } else {
                        parsed.append(keyword)
                    }
                }
                if words.isEmpty { report("'\(path).keywords' is empty; list the words this rule answers", at: keywords) }
                trigger = .keywords(parsed)
            case (nil, let regex?):
                if let source = string(regex, "\(path).regex") {
                    do {
                        trigger = .regex(try AnswerPattern(source))
                    } catch {
                        report("'\(path).regex' is not a valid regular expression: \(source)", at: regex)
                    }
                }
            case (.some, .some):
                report("'\(path)' has both 'keywords' and 'regex'; a rule has one of them (write two rules)", at: item)
            case (nil, nil):
                report("'\(path)' needs 'keywords' (a list of words) or 'regex' (a regular expression)", at: item)
            }
            var answer: AnswerTemplate?
            if let node = rule["answer"] {
                answer = self.answer(node, "\(path).answer")
            } else {
                report("'\(path)' has no 'answer'; write the text this rule sends", at: item)
            }
            var cooldown: TimeInterval?
            if let node = rule["cooldown"] { cooldown = duration(node, "\(path).cooldown", range: 60...(30 * 86_400)) }
            if let trigger, let answer {
                rules.append(AutoReplyRule(name: name, trigger: trigger, answer: answer, cooldown: cooldown))
            }
        }
        return rules
    }

    mutating func businessHours(_ node: Node) -> BusinessHours? {
        guard case .mapping(let mapping) = node else {
            report("'business_hours' must be a mapping with days, open and close, found \(node.kindName)", at: node)
            return nil
        }
        unknownKeys(mapping, known: ["days", "open", "close"], path: "business_hours")
        var days: Set<Int> = [2, 3, 4, 5, 6]
        if let node = mapping["days"] {
            var parsed: Set<Int> = []
            for entry in stringList(node, "business_hours.days") {
                if let some = BusinessHours.days(entry) { parsed.formUnion(some) } else {
                    report("'business_hours.days': '\(entry)' is not a day or a range of days (mon … sun, senin … minggu, mon-fri)", at: node)
                }
            }
            days = parsed
        }
        var opens: Int?
        var closes: Int?
        for (key, target) in [("open", 0), ("close", 1)] {
            guard let value = mapping[key] else {
                report("'business_hours' needs '\(key)' (a time such as \(key == "open" ? "08:00" : "17:00"))", at: node)
                continue
            }
            guard let text = string(value, "business_hours.\(key)") else { continue }
            guard let minutes = BusinessHours.minutes(text) else {
                report("'business_hours.\(key)' must be a time such as 08:00 or 17:30, found '\(text)'", at: value)
                continue
            }
            if target == 0 { opens = minutes } else { closes = minutes }
        }
        guard let opens, let closes else { return nil }
        if opens == closes, let value = mapping["close"] {
            report("'business_hours' open and close are the same time; the business would never be open", at: value)
        }
        return BusinessHours(days: days, opens: opens, closes: closes)
    }

    mutating func answer(_ node: Node, _ path: String) -> AnswerTemplate? {
        guard let text = string(node, path) else { return nil }
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            report("'\(path)' is empty; write the answer's text", at: node)
            return nil
        }
        do {
            return try AnswerTemplate(source: text)
        } catch {
            // The template's own place counts from the answer's first line.
            let blockOffset = (node.scalar?.style == .literal || node.scalar?.style == .folded) ? 1 : 0
            let line = (node.mark?.line ?? 0) + blockOffset + max(0, error.line - 1)
            let column = error.line > 1 || blockOffset > 0 ? error.column : (node.mark?.column ?? 0)
            issues.append(.init(file: file, line: line, column: column, message: "'\(path)': \(error.message)"))
            return nil
        }
    }

    // MARK: Values

    mutating func unknownKeys(_ mapping: Node.Mapping, known: [String], path: String) {
        for (key, _) in mapping {
            let name = key.string ?? "?"
            if !known.contains(name) {
                let full = path.isEmpty ? name : "\(path).\(name)"
                report("unknown key '\(full)'; expected one of: \(known.joined(separator: ", "))", at: key)
            }
        }
    }

    mutating func string(_ node: Node, _ path: String) -> String? {
        guard case .scalar(let scalar) = node else {
            report("'\(path)' must be text, found \(node.kindName)", at: node)
            return nil
        }
        return scalar.string
    }

    mutating func stringList(_ node: Node, _ path: String) -> [String] {
        switch node {
        case .sequence(let items):
            var result: [String] = []
            for item in items {
                if case .scalar(let scalar) = item { result.append(scalar.string) } else {
                    report("'\(path)' must be a list of words, found \(item.kindName) in it", at: item)
                }
            }
            return result
        case .scalar(let scalar) where !scalar.string.isEmpty:
            return scalar.string.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        default:
            report("'\(path)' must be a list, found \(node.kindName)", at: node)
            return []
        }
    }

    mutating func bool(_ node: Node, _ path: String) -> Bool? {
        if case .scalar(let scalar) = node {
            switch scalar.string.lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            default: break
            }
        }
        report("'\(path)' must be true or false, found \(node.describedValue)", at: node)
        return nil
    }

    mutating func int(_ node: Node, _ path: String, range: ClosedRange<Int>) -> Int? {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string) else {
            report("'\(path)' must be a whole number, found \(node.describedValue)", at: node)
            return nil
        }
        guard range.contains(value) else {
            report("'\(path)' must be between \(range.lowerBound) and \(range.upperBound), found \(value)", at: node)
            return nil
        }
        return value
    }

    /// `24h`, `30m`, `90s`, `2d`, or a number of seconds.
    mutating func duration(_ node: Node, _ path: String, range: ClosedRange<TimeInterval>) -> TimeInterval? {
        let text = node.scalar?.string.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        let units: [Character: TimeInterval] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        var seconds: TimeInterval?
        if let unit = text.last.flatMap({ units[$0] }), let number = Double(text.dropLast()), number.isFinite {
            seconds = number * unit
        } else if let number = Double(text), number.isFinite {
            seconds = number
        }
        guard let seconds else {
            report("'\(path)' must be a duration such as 24h, 30m or 10s, found \(node.describedValue)", at: node)
            return nil
        }
        guard range.contains(seconds) else {
            report("'\(path)' must be between \(Self.words(range.lowerBound)) and \(Self.words(range.upperBound)), found \(Self.words(seconds))", at: node)
            return nil
        }
        return seconds
    }

    static func words(_ seconds: TimeInterval) -> String {
        if seconds >= 86_400, seconds.truncatingRemainder(dividingBy: 86_400) == 0 { return "\(Int(seconds / 86_400))d" }
        if seconds >= 3600, seconds.truncatingRemainder(dividingBy: 3600) == 0 { return "\(Int(seconds / 3600))h" }
        if seconds >= 60, seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds / 60))m" }
        return "\(Int(seconds))s"
    }
}

extension Node {
    fileprivate var kindName: String {
        switch self {
        case .scalar: "a single value"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    fileprivate var describedValue: String {
        if case .scalar(let scalar) = self { return "'\(scalar.string)'" }
        return kindName
    }
}
