public import Foundation

/// The two-sided test of whether two rates differ (pooled two-proportion z-test, the same as a
/// chi-squared test of the 2×2 table without continuity correction), and Holm's correction when
/// one variant is compared with several others.
public enum TwoProportionTest {
    /// The p-value of `a1/n1` against `a2/n2`: how often a difference at least this large appears by
    /// chance when both rates are really the same. 1 when the rates cannot differ (no trials, or
    /// nobody or everybody succeeded in both).
    public static func pValue(_ a1: Int, _ n1: Int, _ a2: Int, _ n2: Int) -> Double {
        guard n1 > 0, n2 > 0 else { return 1 }
        let p1 = Double(a1) / Double(n1), p2 = Double(a2) / Double(n2)
        let pooled = Double(a1 + a2) / Double(n1 + n2)
        let variance = pooled * (1 - pooled) * (1 / Double(n1) + 1 / Double(n2))
        guard variance > 0 else { return 1 }
        let z = abs(p1 - p2) / variance.squareRoot()
        // P(|Z| ≥ z) = erfc(z / √2), computed without the cancellation of 1 − Φ(z).
        return min(1, erfc(z / 2.0.squareRoot()))
    }

    /// Holm's step-down adjustment of p-values (same order in and out): controls the chance of
    /// calling any difference real by mistake at the level one test alone would have.
    public static func holm(_ pValues: [Double]) -> [Double] {
        let m = pValues.count
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] || (pValues[$0] == pValues[$1] && $0 < $1) }
        var adjusted = Array(repeating: 1.0, count: m)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * pValues[index]))
            adjusted[index] = running
        }
        return adjusted
    }

    /// Whether a normal approximation has enough to go on: at least five expected successes and five
    /// expected failures in each group under the pooled rate (the textbook rule for this test).
    public static func hasEnoughData(_ a1: Int, _ n1: Int, _ a2: Int, _ n2: Int) -> Bool {
        guard n1 > 0, n2 > 0 else { return false }
        let pooled = Double(a1 + a2) / Double(n1 + n2)
        return [n1, n2].allSatisfy { Double($0) * pooled >= 5 && Double($0) * (1 - pooled) >= 5 }
    }
}
