public import Foundation

/// A 95% interval for a rate such as replies per message sent, by Wilson's score method: unlike
/// "rate ± 1.96 × standard error" it stays inside 0…1 and is honest for small counts and for rates
/// near 0 (one reply in forty messages), which is where WhatsApp reply rates live.
public struct ProportionInterval: Sendable, Equatable, Codable {
    public var low: Double
    public var high: Double

    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }

    /// The two-sided 95% normal quantile (scipy.stats.norm.ppf(0.975)).
    public static let z95 = 1.959963984540054

    /// Wilson's score interval for `successes` out of `trials`; 0…1 (nothing known) when there are no trials.
    public static func wilson(successes: Int, trials: Int, z: Double = z95) -> ProportionInterval {
        guard trials > 0 else { return ProportionInterval(low: 0, high: 1) }
        let n = Double(trials)
        let p = Double(min(max(successes, 0), trials)) / n
        let z2 = z * z
        let centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        let half = z / (1 + z2 / n) * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        // At 0 or n successes one end is exactly 0 or 1; keep rounding from leaving it a hair off.
        let low = successes <= 0 ? 0 : max(0, centre - half)
        let high = successes >= trials ? 1 : min(1, centre + half)
        return ProportionInterval(low: low, high: high)
    }
}
