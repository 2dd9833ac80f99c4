/// The statistics as scripts read them (`siaran stats ab`, and the `variants` of `summary.json`):
/// snake_case keys, rates as fractions, intervals as `[low, high]`, and `p_value_vs_best` written
/// as null (not left out) for the best variant.
extension ABStatistics {
    public struct VariantJSON: Codable, Sendable, Equatable {
        public var name: String
        public var sent, delivered, read, replied, opted_out: Int
        public var reply_rate: Double
        public var reply_rate_ci: [Double]
        public var read_rate: Double
        public var read_rate_ci: [Double]
        /// Reply rate against the best variant's, Holm-corrected; null for the best.
        public var p_value_vs_best: Double?
        public var read_p_value_vs_best: Double?

        enum CodingKeys: String, CodingKey {
            case name, sent, delivered, read, replied, opted_out, reply_rate, reply_rate_ci, read_rate, read_rate_ci
            case p_value_vs_best, read_p_value_vs_best
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(sent, forKey: .sent)
            try c.encode(delivered, forKey: .delivered)
            try c.encode(read, forKey: .read)
            try c.encode(replied, forKey: .replied)
            try c.encode(opted_out, forKey: .opted_out)
            try c.encode(reply_rate, forKey: .reply_rate)
            try c.encode(reply_rate_ci, forKey: .reply_rate_ci)
            try c.encode(read_rate, forKey: .read_rate)
            try c.encode(read_rate_ci, forKey: .read_rate_ci)
            try c.encode(p_value_vs_best, forKey: .p_value_vs_best)  // null for the best, not absent
            try c.encode(read_p_value_vs_best, forKey: .read_p_value_vs_best)
        }
    }

    /// The verdict: the best and the winner (if any) by replies and by reads, and the plain
    /// sentences in both languages (`variant_comparison` in `summary.json`).
    public struct ComparisonJSON: Codable, Sendable, Equatable {
        public var best_by_replies: String?
        public var winner_by_replies: String?
        public var best_by_reads: String?
        public var winner_by_reads: String?
        public var comparisons: Int
        public var correction: String
        public var sentences_en: [String]
        public var sentences_id: [String]

        enum CodingKeys: String, CodingKey {
            case best_by_replies, winner_by_replies, best_by_reads, winner_by_reads, comparisons, correction, sentences_en, sentences_id
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            // No winner is written as null, so scripts can tell "no winner yet" from an old file.
            try c.encode(best_by_replies, forKey: .best_by_replies)
            try c.encode(winner_by_replies, forKey: .winner_by_replies)
            try c.encode(best_by_reads, forKey: .best_by_reads)
            try c.encode(winner_by_reads, forKey: .winner_by_reads)
            try c.encode(comparisons, forKey: .comparisons)
            try c.encode(correction, forKey: .correction)
            try c.encode(sentences_en, forKey: .sentences_en)
            try c.encode(sentences_id, forKey: .sentences_id)
        }
    }

    /// The whole comparison as `siaran stats ab` prints it: each variant, then the verdict's
    /// fields beside it in one object.
    public struct ReportJSON: Codable, Sendable, Equatable {
        public var variants: [VariantJSON]
        public var comparison: ComparisonJSON

        enum CodingKeys: String, CodingKey { case variants }

        public init(variants: [VariantJSON], comparison: ComparisonJSON) {
            self.variants = variants
            self.comparison = comparison
        }

        public init(from decoder: any Decoder) throws {
            variants = try decoder.container(keyedBy: CodingKeys.self).decode([VariantJSON].self, forKey: .variants)
            comparison = try ComparisonJSON(from: decoder)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(variants, forKey: .variants)
            try comparison.encode(to: encoder)
        }
    }

    /// Rounds to four decimals, so files stay readable (p-values are left whole: they can be tiny).
    static func rounded(_ value: Double) -> Double { (value * 10000).rounded() / 10000 }

    public var variantsJSON: [VariantJSON] {
        variants.indices.map { i in
            let v = variants[i], r = replies.groups[i], d = reads.groups[i]
            return VariantJSON(
                name: v.name, sent: v.sent, delivered: v.delivered, read: v.read, replied: v.replied, opted_out: v.optedOut,
                reply_rate: Self.rounded(r.rate), reply_rate_ci: [Self.rounded(r.interval.low), Self.rounded(r.interval.high)],
                read_rate: Self.rounded(d.rate), read_rate_ci: [Self.rounded(d.interval.low), Self.rounded(d.interval.high)],
                p_value_vs_best: r.pValueVsBest, read_p_value_vs_best: d.pValueVsBest)
        }
    }

    /// The reply sentences, then the read sentences when any read receipt came back (many people
    /// turn them off, so none at all says nothing).
    public func summarySentences(_ language: Language) -> [String] {
        sentences(.replied, language: language) + (variants.contains { $0.read > 0 } ? sentences(.read, language: language) : [])
    }

    public var comparisonJSON: ComparisonJSON {
        ComparisonJSON(best_by_replies: best(by: .replied), winner_by_replies: winner(by: .replied),
                       best_by_reads: best(by: .read), winner_by_reads: winner(by: .read), comparisons: replies.comparisons,
                       correction: "holm", sentences_en: summarySentences(.english), sentences_id: summarySentences(.indonesian))
    }

    public var reportJSON: ReportJSON { ReportJSON(variants: variantsJSON, comparison: comparisonJSON) }
}
