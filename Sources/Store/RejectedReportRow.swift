/// One refused input row (the Rejected sheet and the PDF's refusal counts).
public struct RejectedReportRow: Sendable, Equatable {
    public var line: Int
    public var input: String
    public var reason: String

    public init(line: Int, input: String, reason: String) {
        self.line = line
        self.input = input
        self.reason = reason
    }
}
