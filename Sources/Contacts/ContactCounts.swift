/// Tallies of one screened list; `accepted + rejected == rows` always holds.
public struct ContactCounts: Sendable, Hashable {
    /// Data rows read (header, blank and comment lines not counted).
    public var rows = 0
    public var accepted = 0
    /// All refused rows, duplicates and opt-outs included.
    public var rejected = 0
    /// Refused because the number appeared on an earlier row.
    public var duplicates = 0
    /// Refused because the recipient opted out.
    public var optedOut = 0

    public init() {}

    /// Refused for the number itself (not a number, wrong country, too short, …): neither a
    /// duplicate nor an opt-out.
    public var invalid: Int { rejected - duplicates - optedOut }

    /// `accepted=N rejected=M duplicates=D`, the summary line `siaran contacts check` prints.
    public var summary: String { "accepted=\(accepted) rejected=\(rejected) duplicates=\(duplicates)" }
}
