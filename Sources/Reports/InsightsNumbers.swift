import Foundation

/// The check that keeps a language model from putting numbers into a report that the campaign
/// does not have: every number a reworded paragraph states (digits in any Indonesian or English
/// spelling, percentages, clock times, and number words such as "two", "dua", "twice", "setengah")
/// must be one of the campaign's figures or a number of the rule-written draft. Digits are read
/// the way the paragraph's language writes them (`1.234,5` in Indonesian, `1,234.5` in English).
public enum InsightsNumbers {
    /// A number as compared: rounded to 1/1000, so `12,5%` and 12.5 are the same.
    public struct Value: Hashable, Sendable, CustomStringConvertible {
        public let thousandths: Int64

        public init(_ value: Double) {
            thousandths = Int64((value * 1000).rounded())
        }

        public var description: String { String(Double(thousandths) / 1000) }
    }

    /// A number written in a text, with every value it can mean (`1.234` is 1234 in Indonesian and
    /// 1.234 in English; `19.00` may be a time).
    struct Mention: Equatable {
        var written: String
        var values: Set<Value>
    }

    /// The numbers a paragraph may state.
    public static func allowed(figures: [Double], draft: String, language: ReportsConfiguration.Language) -> Set<Value> {
        var allowed = Set(figures.map(Value.init))
        for mention in mentions(in: draft, language: language) { allowed.formUnion(mention.values) }
        return allowed
    }

    /// The numbers of `text` (as written) that mean none of `allowed`.
    public static func unsupported(in text: String, allowed: Set<Value>, language: ReportsConfiguration.Language) -> [String] {
        mentions(in: text, language: language).filter { $0.values.isDisjoint(with: allowed) }.map(\.written)
    }

    private static let digits = try! NSRegularExpression(pattern: #"\d+(?:[.,:]\d+)*"#)

    private static let words: [String: [Double]] = [
        "two": [2], "three": [3], "four": [4], "five": [5], "six": [6], "seven": [7], "eight": [8], "nine": [9], "ten": [10],
        "eleven": [11], "twelve": [12], "twenty": [20], "thirty": [30], "forty": [40], "fifty": [50], "hundred": [100],
        "thousand": [1000], "million": [1_000_000], "dozen": [12], "twice": [2], "double": [2], "triple": [3], "half": [0.5, 50],
        "quarter": [0.25, 25], "hundreds": [], "thousands": [], "dozens": [], "millions": [],
        "dua": [2], "tiga": [3], "empat": [4], "lima": [5], "enam": [6], "tujuh": [7], "delapan": [8], "sembilan": [9],
        "sepuluh": [10], "sebelas": [11], "seratus": [100], "seribu": [1000], "sejuta": [1_000_000], "setengah": [0.5, 50],
        "separuh": [0.5, 50], "seperempat": [0.25, 25], "lusin": [12], "selusin": [12],
        "puluhan": [], "ratusan": [], "ribuan": [], "jutaan": [], "belasan": [],
    ]

    private static let wordPattern = try! NSRegularExpression(
        pattern: #"\b("# + words.keys.sorted { $0.count > $1.count }.joined(separator: "|") + #")\b"#, options: [.caseInsensitive])

    static func mentions(in text: String, language: ReportsConfiguration.Language) -> [Mention] {
        var found: [Mention] = []
        let range = NSRange(text.startIndex..., in: text)
        for match in digits.matches(in: text, range: range) {
            guard let r = Range(match.range, in: text) else { continue }
            let written = String(text[r])
            found.append(Mention(written: written, values: values(of: written, language: language)))
        }
        for match in wordPattern.matches(in: text, range: range) {
            guard let r = Range(match.range, in: text) else { continue }
            let written = String(text[r])
            // Vague quantities ("ratusan", "thousands") mean no figure at all: never allowed.
            found.append(Mention(written: written, values: Set((words[written.lowercased()] ?? []).map(Value.init))))
        }
        return found
    }

    /// Every value a run of digits and separators can mean.
    static func values(of written: String, language: ReportsConfiguration.Language) -> Set<Value> {
        var result: Set<Value> = []
        // A clock time: 19:00, or 19.00 as Indonesian writes it. "19.00" names the hour 19.
        let clock = written.split(separator: ":", omittingEmptySubsequences: false)
        if clock.count == 2, let hour = Int(clock[0]), let minute = Int(clock[1]), clock[1].count == 2, hour < 24, minute < 60 {
            result.insert(Value(Double(hour) + Double(minute) / 60))
            return result
        }
        let dotted = written.split(separator: ".", omittingEmptySubsequences: false)
        if dotted.count == 2, !written.contains(","), let hour = Int(dotted[0]), dotted[1] == "00", hour < 24 {
            result.insert(Value(Double(hour)))
        }
        // Indonesian: "." groups thousands, "," is the decimal point. English: the other way round.
        let (group, decimal): (Character, Character) = language == .indonesian ? (".", ",") : (",", ".")
        if let value = number(written, group: group, decimal: decimal) { result.insert(Value(value)) }
        return result
    }

    private static func number(_ written: String, group: Character, decimal: Character) -> Double? {
        let parts = written.split(separator: decimal, omittingEmptySubsequences: false)
        guard parts.count <= 2, !written.contains(":") else { return nil }
        let whole = parts[0].split(separator: group, omittingEmptySubsequences: false)
        guard let first = whole.first, !first.isEmpty, first.count <= (whole.count > 1 ? 3 : Int.max),
              whole.dropFirst().allSatisfy({ $0.count == 3 }) else { return nil }
        var text = whole.joined()
        if parts.count == 2 {
            guard !parts[1].isEmpty, !parts[1].contains(group) else { return nil }
            text += "." + parts[1]
        }
        return Double(text)
    }
}
