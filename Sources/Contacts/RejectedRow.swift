/// A row that will not be sent to, and why: one line of `rejected.csv`.
public struct RejectedRow: Sendable, Hashable {
    /// Where the row is in the file (line, or worksheet row).
    public var line: Int
    /// The phone cell as written.
    public var input: String
    public var reason: RejectionReason
    /// For `duplicate`: the line of the first occurrence, which is the one kept.
    public var duplicateOf: Int?

    public init(line: Int, input: String, reason: RejectionReason, duplicateOf: Int? = nil) {
        self.line = line
        self.input = input
        self.reason = reason
        self.duplicateOf = duplicateOf
    }
}
