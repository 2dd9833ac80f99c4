/// The counts of one A/B variant, as sent so far.
public struct VariantCounts: Sendable, Equatable {
    public var name: String
    public var sent: Int
    public var delivered: Int
    public var read: Int
    public var replied: Int
    public var optedOut: Int

    public init(name: String, sent: Int, delivered: Int = 0, read: Int = 0, replied: Int = 0, optedOut: Int = 0) {
        self.name = name
        self.sent = sent
        self.delivered = delivered
        self.read = read
        self.replied = replied
        self.optedOut = optedOut
    }
}

/// Whether one variant of a campaign really does better than the others, on replies (the signal
/// WhatsApp does not hide: many people turn read receipts off) and on reads. Rates are per message
/// sent; every other variant is tested against the best one, Holm-corrected for more than two.
public struct ABStatistics: Sendable, Equatable {
    public enum Metric: String, Sendable, CaseIterable {
        case replied, read
    }

    public enum Language: Sendable {
        case english, indonesian
    }

    /// A difference counts as real below this (corrected) p-value.
    public static let significance = 0.05

    public var variants: [VariantCounts]
    public var replies: ProportionComparison
    public var reads: ProportionComparison

    public init(_ variants: [VariantCounts]) {
        self.variants = variants
        replies = ProportionComparison(successes: variants.map(\.replied), trials: variants.map(\.sent))
        reads = ProportionComparison(successes: variants.map(\.read), trials: variants.map(\.sent))
    }

    public func comparison(_ metric: Metric) -> ProportionComparison {
        switch metric {
        case .replied: replies
        case .read: reads
        }
    }

    /// The best variant's name by `metric`; nil when nothing was sent.
    public func best(by metric: Metric) -> String? { comparison(metric).best.map { variants[$0].name } }

    /// The winner by `metric`: the best variant when it beats every other variant significantly
    /// (corrected) with enough data, otherwise nil.
    public func winner(by metric: Metric) -> String? {
        let c = comparison(metric)
        guard let best = c.best else { return nil }
        let others = c.groups.indices.filter { $0 != best && c.groups[$0].pValueVsBest != nil }
        guard !others.isEmpty, others.allSatisfy({ c.groups[$0].enoughData && c.groups[$0].pValueVsBest! < Self.significance }) else { return nil }
        return variants[best].name
    }

    /// One plain sentence per variant compared with the best, e.g. "Varian B mendapat balasan 2,5×
    /// lebih sering daripada varian A (7,5% vs 3,0%); kemungkinan kebetulan < 1%."
    public func sentences(_ metric: Metric, language: Language) -> [String] {
        let c = comparison(metric)
        guard let bestIndex = c.best, c.comparisons > 0 else { return [] }
        let english = language == .english
        let best = variants[bestIndex].name, b = c.groups[bestIndex]
        let noun = metric == .replied ? (english ? "replies" : "balasan") : (english ? "reads" : "pembacaan")
        let corrected = c.comparisons > 1
            ? (english ? " (corrected for \(c.comparisons) comparisons)" : " (sudah dikoreksi untuk \(c.comparisons) perbandingan)")
            : ""
        var result: [String] = []
        for (index, other) in c.groups.enumerated() where index != bestIndex {
            guard let p = other.pValueVsBest else { continue }
            let name = variants[index].name
            let rates = "\(Self.percent(b.rate, english)) vs \(Self.percent(other.rate, english))"
            if !other.enoughData {
                result.append(english
                    ? "Not enough \(noun) yet to tell variant \(best) from variant \(name) (\(rates))."
                    : "Belum cukup \(noun) untuk membedakan varian \(best) dan varian \(name) (\(rates)).")
                continue
            }
            if b.rate == other.rate {
                result.append(english
                    ? "Variants \(best) and \(name) got \(noun) equally often (\(Self.percent(b.rate, english)))."
                    : "Varian \(best) dan varian \(name) sama seringnya mendapat \(noun) (\(Self.percent(b.rate, english))).")
                continue
            }
            let lead: String
            if other.rate > 0 {
                let ratio = Self.decimal(b.rate / other.rate, english)
                lead = english
                    ? "Variant \(best) got \(noun) \(ratio)× as often as variant \(name) (\(rates))"
                    : "Varian \(best) mendapat \(noun) \(ratio)× lebih sering daripada varian \(name) (\(rates))"
            } else {
                lead = english
                    ? "Variant \(best) got \(noun) (\(Self.percent(b.rate, english))) and variant \(name) none"
                    : "Varian \(best) mendapat \(noun) (\(Self.percent(b.rate, english))) dan varian \(name) tidak sama sekali"
            }
            let chance = Self.chance(p, english)
            if p < Self.significance {
                result.append(english
                    ? "\(lead); the chance of this by luck alone is \(chance)\(corrected)."
                    : "\(lead); kemungkinan kebetulan \(chance)\(corrected).")
            } else {
                result.append(english
                    ? "\(lead), but a difference this size comes up by chance \(chance) of the time\(corrected): no winner yet."
                    : "\(lead), tetapi selisih sebesar ini muncul karena kebetulan \(chance) dari waktu\(corrected): belum ada pemenang.")
            }
        }
        return result
    }

    /// A p-value as people read it: "< 0.1%", "< 1%", else whole percent ("about 3%" is written "3%").
    static func chance(_ p: Double, _ english: Bool) -> String {
        if p < 0.001 { return english ? "< 0.1%" : "< 0,1%" }
        if p < 0.01 { return "< 1%" }
        return "\(Int((p * 100).rounded()))%"
    }

    /// A rate with one decimal, in the language's decimal mark: 7.5% or 7,5%.
    static func percent(_ rate: Double, _ english: Bool) -> String { decimal(rate * 100, english) + "%" }

    static func decimal(_ value: Double, _ english: Bool) -> String {
        let tenths = Int((value * 10).rounded())
        let text = "\(tenths / 10)\(english ? "." : ",")\(tenths % 10)"
        return text
    }
}
