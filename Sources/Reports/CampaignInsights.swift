public import Foundation
public import Store
import VariantStatistics

/// The "Insights" paragraph of report.pdf and the dashboard's results: which variant did better and
/// how sure we can be, when people replied, what failed and why. Always written first by rules from
/// the campaign's figures (``draft``); a language model may reword it, and the reworded text is only
/// used when every number in it is one of the campaign's figures (``accepting(_:model:)``).
public struct CampaignInsights: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// Written by Siaran's rules from the figures.
        case rules
        /// Reworded by this model (provider and model name) and checked.
        case model(String)
    }

    public var language: ReportsConfiguration.Language
    /// The rule-written paragraph.
    public var draft: String
    /// What to show: the draft, or the checked model text.
    public var text: String
    public var source: Source
    /// Every figure of the campaign a paragraph may state, beside the numbers in ``draft``.
    public var figures: [Double]

    /// Reads the figures (in the caller's snapshot, so they match the rest of the report) and
    /// writes the paragraph by rules.
    public static func load(_ snapshot: StoreSnapshot, overview: CampaignOverview, language: ReportsConfiguration.Language,
                            timeZone: TimeZone) throws -> CampaignInsights {
        let replies = try snapshot.replyTiming(of: overview.campaign.id)
        return CampaignInsights(overview: overview, replies: replies, language: language, timeZone: timeZone)
    }

    public init(overview: CampaignOverview, replies: ReplyTiming, language: ReportsConfiguration.Language, timeZone: TimeZone) {
        var writer = InsightsRules(overview: overview, replies: replies, text: ReportText(language), timeZone: timeZone)
        self.language = language
        self.draft = writer.paragraph()
        self.text = draft
        self.source = .rules
        self.figures = writer.figures
    }

    /// The numbers a reworded paragraph may state: the campaign's figures and every number of the draft.
    public var allowedNumbers: Set<InsightsNumbers.Value> {
        InsightsNumbers.allowed(figures: figures, draft: draft, language: language)
    }

    /// These insights with `reworded` as the text when it states no number outside the campaign's
    /// figures; otherwise unchanged (the rule-written draft), with the numbers that were refused.
    public func accepting(_ reworded: String, model: String) -> (insights: CampaignInsights, refused: [String]) {
        let text = reworded.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return (self, ["(empty text)"]) }
        let refused = InsightsNumbers.unsupported(in: text, allowed: allowedNumbers, language: language)
        guard refused.isEmpty else { return (self, refused) }
        var copy = self
        copy.text = text
        copy.source = .model(model)
        return (copy, [])
    }
}

/// The rules that write the paragraph, and the figures they may mention.
struct InsightsRules {
    let overview: CampaignOverview
    let replies: ReplyTiming
    let text: ReportText
    let timeZone: TimeZone
    private(set) var figures: [Double] = []

    init(overview: CampaignOverview, replies: ReplyTiming, text: ReportText, timeZone: TimeZone) {
        self.overview = overview
        self.replies = replies
        self.text = text
        self.timeZone = timeZone
    }

    private var english: Bool { text.language == .english }
    /// The English or the Indonesian sentence (static, so the figures can be noted while the arguments are built).
    private static func pick(_ english: Bool, _ en: String, _ id: String) -> String { english ? en : id }

    /// A count as reports write it, remembered as a figure.
    private mutating func n(_ value: Int) -> String {
        figures.append(Double(value))
        return text.count(value)
    }

    /// A rate as reports write it (`12,5%`), remembered with its whole-percent rounding.
    private mutating func p(_ fraction: Double) -> String {
        figures.append((fraction * 1000).rounded() / 10)
        figures.append((fraction * 100).rounded())
        return text.percent(fraction)
    }

    mutating func paragraph() -> String {
        let o = overview
        // Every figure of the campaign may be stated, even ones the rules leave out.
        for value in [o.counts.total, o.sent, o.delivered, o.counts.read, o.counts.replied, o.counts.failed, o.pending, o.rejected,
                      replies.withinHour, replies.withinSixHours, replies.withinDay, replies.later] {
            figures.append(Double(value))
        }
        for v in o.variants { figures += [v.total, v.sent, v.delivered, v.read, v.replied, v.failed].map(Double.init) }
        for r in o.failureReasons + o.rejectionReasons { figures.append(Double(r.count)) }
        for rate in [o.deliveryRate, o.readRate, o.replyRate] + o.variants.flatMap({ [$0.deliveryRate, $0.readRate, $0.replyRate] }) {
            figures.append((rate * 1000).rounded() / 10)
            figures.append((rate * 100).rounded())
        }

        var sentences: [String] = []
        sentences.append(reach())
        if let variants = variantComparison() { sentences.append(variants) }
        if let replies = replyTiming() { sentences.append(replies) }
        if let failures = failureSummary() { sentences.append(failures) }
        return sentences.joined(separator: " ")
    }

    private mutating func reach() -> String {
        let o = overview
        guard o.sent > 0 else {
            return o.counts.total == 0
                ? Self.pick(english, "This campaign has no messages yet.", "Kampanye ini belum punya pesan.")
                : Self.pick(english, "No message has been sent yet (\(n(o.counts.total)) waiting).", "Belum ada pesan yang terkirim (\(n(o.counts.total)) menunggu).")
        }
        let cancelled = o.partial || o.campaign.state == .cancelled
        let start = cancelled
            ? Self.pick(english, "The campaign was cancelled; until then ", "Kampanye dibatalkan; sampai saat itu ")
            : ""
        let body = o.delivered == 0
            ? Self.pick(english, "\(n(o.sent)) of \(n(o.counts.total)) messages went out; no delivery receipt has come back yet.",
                        "\(n(o.sent)) dari \(n(o.counts.total)) pesan terkirim; belum ada tanda terima yang kembali.")
            : Self.pick(english,
            "\(n(o.sent)) of \(n(o.counts.total)) messages went out; \(n(o.delivered)) arrived (\(p(o.deliveryRate))) and \(n(o.counts.read)) were opened (\(p(o.readRate))).",
            "\(n(o.sent)) dari \(n(o.counts.total)) pesan terkirim; \(n(o.delivered)) sampai (\(p(o.deliveryRate))) dan \(n(o.counts.read)) dibuka (\(p(o.readRate))).")
        return cancelled ? start + body.prefix(1).lowercased() + body.dropFirst() : body
    }

    /// Which variant did better on the strongest signal there is (replies, else reads, else
    /// deliveries), and how sure we can be: the best against the runner-up, two-sided, Holm-corrected.
    private mutating func variantComparison() -> String? {
        let named = overview.variants.filter { !$0.name.isEmpty && $0.sent > 0 }
        guard named.count > 1 else { return nil }
        let metric: (rate: (CampaignOverview.VariantRates) -> Double, part: (CampaignOverview.VariantRates) -> Int, en: String, id: String)
        if named.contains(where: { $0.replied > 0 }) {
            metric = ({ $0.replyRate }, { $0.replied }, "replied", "membalas")
        } else if named.contains(where: { $0.read > 0 }) {
            metric = ({ $0.readRate }, { $0.read }, "opened it", "membukanya")
        } else if named.contains(where: { $0.delivered > 0 }) {
            metric = ({ $0.deliveryRate }, { $0.delivered }, "received it", "menerimanya")
        } else {
            let names = named.map(\.name).joined(separator: english ? " and " : " dan ")
            return Self.pick(english, "Variants \(names) cannot be compared yet: no receipt or reply has come back.",
                             "Varian \(names) belum bisa dibandingkan: belum ada tanda terima atau balasan.")
        }
        let ranked = named.sorted { metric.rate($0) > metric.rate($1) }
        let best = ranked[0], second = ranked[1]
        let bestRate = p(metric.rate(best)), secondRate = p(metric.rate(second))
        if metric.part(best) == metric.part(second) && best.sent == second.sent || metric.rate(best) == metric.rate(second) {
            return Self.pick(english, "Variants \(best.name) and \(second.name) did the same: \(bestRate) of recipients \(metric.en).",
                        "Varian \(best.name) dan \(second.name) sama hasilnya: \(bestRate) penerima \(metric.id).")
        }
        let comparison = Self.pick(english,
            "Variant \(best.name) did better: \(bestRate) of its recipients \(metric.en), against \(secondRate) for variant \(second.name).",
            "Varian \(best.name) lebih berhasil: \(bestRate) penerimanya \(metric.id), dibanding \(secondRate) untuk varian \(second.name).")
        // The two-sided test of the best against the runner-up, Holm-corrected for every comparison
        // with the best (VariantStatistics: the same numbers as the reports' A/B table).
        let test = ProportionComparison(successes: ranked.map(metric.part), trials: ranked.map(\.sent))
        let p = test.groups[1].pValueVsBest ?? 1
        let certainty: String
        if min(best.sent, second.sent) < 30 || !test.groups[1].enoughData {
            certainty = Self.pick(english, "With fewer than \(n(30)) messages in a variant this is too early to call; send to more people before choosing.",
                             "Dengan kurang dari \(n(30)) pesan per varian ini belum bisa disimpulkan; kirim ke lebih banyak orang sebelum memilih.")
        } else if p < 0.01 {
            figures.append(99)
            certainty = Self.pick(english, "A difference this large is very unlikely to be chance (99% confidence).",
                             "Selisih sebesar ini sangat kecil kemungkinannya kebetulan (keyakinan 99%).")
        } else if p < 0.05 {
            figures.append(95)
            certainty = Self.pick(english, "A difference this large is unlikely to be chance (95% confidence).",
                             "Selisih sebesar ini kecil kemungkinannya kebetulan (keyakinan 95%).")
        } else {
            certainty = Self.pick(english, "The difference is small enough to be chance, so do not pick a winner from it yet.",
                             "Selisihnya cukup kecil untuk terjadi karena kebetulan, jadi jangan pilih pemenang dulu.")
        }
        return comparison + " " + certainty
    }

    private mutating func replyTiming() -> String? {
        let o = overview
        guard o.sent > 0 else { return nil }
        guard o.counts.replied > 0 else {
            return Self.pick(english, "Nobody has replied yet.", "Belum ada yang membalas.")
        }
        var sentence = Self.pick(english, "\(n(o.counts.replied)) \(o.counts.replied == 1 ? "person" : "people") replied (\(p(o.replyRate)))", "\(n(o.counts.replied)) orang membalas (\(p(o.replyRate)))")
        let timed = replies.withinHour + replies.withinSixHours + replies.withinDay + replies.later
        if timed > 0 {
            if replies.withinHour * 2 >= timed {
                sentence += Self.pick(english, ", most of them within an hour of the message (\(n(replies.withinHour)))",
                                 ", sebagian besar dalam satu jam setelah pesan (\(n(replies.withinHour)))")
            } else if replies.withinHour + replies.withinSixHours >= timed - replies.withinHour - replies.withinSixHours {
                sentence += Self.pick(english, ", most within six hours (\(n(replies.withinHour + replies.withinSixHours)))",
                                 ", sebagian besar dalam enam jam (\(n(replies.withinHour + replies.withinSixHours)))")
            } else {
                sentence += Self.pick(english, ", many of them a day or more later (\(n(replies.later)))",
                                 ", banyak yang baru sehari atau lebih kemudian (\(n(replies.later)))")
            }
        }
        // The busiest hour of the day, in the report's time zone.
        var byHour: [Int: Int] = [:]
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        for hour in replies.byHour { byHour[calendar.component(.hour, from: hour.start), default: 0] += hour.replies }
        if let peak = byHour.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }), replies.replies >= 3 {
            figures += [Double(peak.key), Double((peak.key + 1) % 24), Double(peak.value)]
            let from = clock(peak.key), to = clock((peak.key + 1) % 24)
            sentence += Self.pick(english, "; the busiest hour was \(from)–\(to) (\(n(peak.value)) \(peak.value == 1 ? "reply" : "replies"))", "; jam tersibuk \(from)–\(to) (\(n(peak.value)) balasan)")
        }
        return sentence + "."
    }

    private func clock(_ hour: Int) -> String {
        let padded = hour < 10 ? "0\(hour)" : "\(hour)"
        return english ? "\(padded):00" : "\(padded).00"
    }

    private mutating func failureSummary() -> String? {
        let o = overview
        var parts: [String] = []
        if o.counts.failed > 0 {
            let reasons = o.failureReasons.prefix(2).map { "\(n($0.count)) \(ReasonWording.phrase($0.reason, indonesian: !english))" }
            parts.append(Self.pick(english, "\(n(o.counts.failed)) \(o.counts.failed == 1 ? "message" : "messages") failed", "\(n(o.counts.failed)) pesan gagal")
                         + (reasons.isEmpty ? "" : " (" + reasons.joined(separator: ", ") + ")"))
        }
        if o.rejected > 0 {
            let reasons = o.rejectionReasons.prefix(2).map { "\(n($0.count)) \(ReasonWording.phrase($0.reason, indonesian: !english))" }
            parts.append(Self.pick(english, "\(n(o.rejected)) \(o.rejected == 1 ? "number was" : "numbers were") refused before sending", "\(n(o.rejected)) nomor ditolak sebelum dikirim")
                         + (reasons.isEmpty ? "" : " (" + reasons.joined(separator: ", ") + ")"))
        }
        guard !parts.isEmpty else {
            return o.sent > 0 ? Self.pick(english, "No message failed.", "Tidak ada pesan yang gagal.") : nil
        }
        let joined = parts.joined(separator: Self.pick(english, "; ", "; "))
        return joined.prefix(1).uppercased() + joined.dropFirst() + "."
    }
}
