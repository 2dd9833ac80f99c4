import Foundation

/// `ab_test:` in campaign.yaml: the variants go to a random sample first; after `wait` the variant
/// with the significantly better `metric` (replies or reads) is sent to everyone else, or the
/// `fallback` when the sample cannot tell (too few messages per variant, or no significant
/// difference).
public struct ABTestOptions: Sendable, Equatable, Codable {
    public enum Metric: String, Sendable, Codable, CaseIterable { case replied, read }
    public enum Fallback: String, Sendable, Codable, CaseIterable {
        /// The first variant (A), the message as written first.
        case first
        /// The variant with the higher rate, even though the difference may be chance.
        case higher
    }

    /// Share of the contacts in the sample, in percent (1–90).
    public var samplePercent: Double = 20
    public var metric: Metric = .replied
    public var waitSeconds: Double = 2 * 3600
    /// Fewer messages than this to any variant and the sample cannot decide: the fallback wins.
    public var minPerVariant: Int = 50
    public var fallback: Fallback = .first

    public init() {}

    struct Problem: Error {
        var english: String
        var indonesian: String
    }

    init(_ pairs: [String: String]) throws(Problem) {
        let known = ["sample", "metric", "wait", "min_per_variant", "fallback"]
        if let unknown = pairs.keys.sorted().first(where: { !known.contains($0) }) {
            throw Problem(english: "unknown key '\(unknown)'; expected: \(known.joined(separator: ", "))",
                          indonesian: "kunci '\(unknown)' tidak dikenal; yang ada: \(known.joined(separator: ", "))")
        }
        if let text = pairs["sample"]?.trimmingCharacters(in: .whitespaces) {
            let digits = text.hasSuffix("%") ? String(text.dropLast()) : text
            guard let percent = Double(digits.trimmingCharacters(in: .whitespaces)), percent >= 1, percent <= 90 else {
                throw Problem(english: "'sample' must be a share from 1% to 90%, such as 20%", indonesian: "'sample' harus bagian 1% sampai 90%, misalnya 20%")
            }
            samplePercent = percent
        }
        if let text = pairs["metric"] {
            guard let metric = Metric(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased()) else {
                throw Problem(english: "'metric' must be replied or read", indonesian: "'metric' harus replied atau read")
            }
            self.metric = metric
        }
        if let text = pairs["wait"] {
            guard let seconds = Self.duration(text), seconds <= 7 * 86_400 else {
                throw Problem(english: "'wait' must be a time such as 30m, 2h or 1d (at most 7d)", indonesian: "'wait' harus berupa waktu seperti 30m, 2h atau 1d (paling lama 7d)")
            }
            waitSeconds = seconds
        }
        if let text = pairs["min_per_variant"] {
            guard let count = Int(text.trimmingCharacters(in: .whitespaces)), (1...1_000_000).contains(count) else {
                throw Problem(english: "'min_per_variant' must be a whole number from 1", indonesian: "'min_per_variant' harus bilangan bulat mulai 1")
            }
            minPerVariant = count
        }
        if let text = pairs["fallback"] {
            guard let fallback = Fallback(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased()) else {
                throw Problem(english: "'fallback' must be first or higher", indonesian: "'fallback' harus first atau higher")
            }
            self.fallback = fallback
        }
    }

    /// `90s`, `30m`, `2h`, `1d`; a bare number is minutes.
    static func duration(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, seconds) in units where trimmed.hasSuffix(suffix) {
            guard let value = Double(trimmed.dropLast()), value >= 0, value.isFinite else { return nil }
            return value * seconds
        }
        return Double(trimmed).flatMap { $0 >= 0 && $0.isFinite ? $0 * 60 : nil }
    }

    var yaml: String {
        func number(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(value) }
        return "{sample: \(number(samplePercent))%, metric: \(metric.rawValue), wait: \(number(waitSeconds))s, min_per_variant: \(minPerVariant), fallback: \(fallback.rawValue)}"
    }
}
