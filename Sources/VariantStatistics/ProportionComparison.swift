/// One rate (replies, reads, …) compared across variants: each variant's rate with its Wilson
/// interval, the best variant (highest rate; the first of equals), and each other variant's
/// two-sided p-value against the best, Holm-corrected when there are more than two variants.
public struct ProportionComparison: Sendable, Equatable {
    public struct Group: Sendable, Equatable {
        public var successes: Int
        public var trials: Int
        public var rate: Double
        public var interval: ProportionInterval
        /// The p-value against the best variant, corrected for the number of comparisons; nil for the
        /// best itself and for variants with nothing sent.
        public var pValueVsBest: Double?
        /// The same before the correction.
        public var uncorrectedPValue: Double?
        /// Whether the test has enough successes and failures against the best to say anything.
        public var enoughData: Bool
    }

    public var groups: [Group]
    /// The index of the best group; nil when nothing was sent.
    public var best: Int?

    public init(successes: [Int], trials: [Int]) {
        precondition(successes.count == trials.count, "one success count per trial count")
        var groups = zip(successes, trials).map { a, n in
            Group(successes: a, trials: n, rate: n > 0 ? Double(a) / Double(n) : 0,
                  interval: .wilson(successes: a, trials: n), pValueVsBest: nil, uncorrectedPValue: nil, enoughData: false)
        }
        var best: Int?
        for (index, group) in groups.enumerated() where group.trials > 0 {
            if best == nil || group.rate > groups[best!].rate { best = index }
        }
        self.best = best
        if let best {
            let others = groups.indices.filter { $0 != best && groups[$0].trials > 0 }
            let b = groups[best]
            let raw = others.map { TwoProportionTest.pValue(b.successes, b.trials, groups[$0].successes, groups[$0].trials) }
            let corrected = TwoProportionTest.holm(raw)
            for (k, index) in others.enumerated() {
                groups[index].uncorrectedPValue = raw[k]
                groups[index].pValueVsBest = corrected[k]
                groups[index].enoughData = TwoProportionTest.hasEnoughData(b.successes, b.trials, groups[index].successes, groups[index].trials)
            }
            groups[best].enoughData = others.contains { groups[$0].enoughData }
        }
        self.groups = groups
    }

    /// How many comparisons the correction accounts for.
    public var comparisons: Int { groups.filter { $0.pValueVsBest != nil }.count }
}
