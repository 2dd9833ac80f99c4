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
    /// Held back by the engagement guard (set by the pipeline, which knows the history).
    public var unengaged = 0

    public init() {}

    /// Refused for the number itself (not a number, wrong country, too short, …): neither a
    /// duplicate, an opt-out nor held back by the engagement guard.
    public var invalid: Int { rejected - duplicates - optedOut - unengaged }

    /// `accepted=N rejected=M duplicates=D`, the summary line `siaran contacts check` prints.
    public var summary: String { "accepted=\(accepted) rejected=\(rejected) duplicates=\(duplicates)" }
}
