/// One data row of a contact list, before validation.
public struct ContactRow: Sendable, Hashable {
    /// The line in the file (TXT, CSV: where the record starts) or the worksheet row number (XLSX),
    /// counting from 1 as editors and Excel show them.
    public var line: Int
    /// The phone cell as written, without surrounding spaces.
    public var input: String
    /// The other cells, aligned with ``ContactListHeader/variableNames`` (missing cells are empty).
    public var variables: [String]

    public init(line: Int, input: String, variables: [String] = []) {
        self.line = line
        self.input = input
        self.variables = variables
    }
}
