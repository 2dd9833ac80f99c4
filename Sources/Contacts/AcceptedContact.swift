/// A row whose number passed every rule and was seen for the first time.
public struct AcceptedContact: Sendable, Hashable {
    public var phone: PhoneNumber
    /// Where the row is in the file (line, or worksheet row).
    public var line: Int
    /// The row's other cells, aligned with ``ContactListHeader/variableNames``.
    public var variables: [String]

    public init(phone: PhoneNumber, line: Int, variables: [String] = []) {
        self.phone = phone
        self.line = line
        self.variables = variables
    }
}
