/// A ``ContactScreen`` fed in batches: rows wait until 256 have been normalised, then their
/// duplicate-table slots are loaded at once and the rows are screened in order. The memory fetches
/// overlap instead of each row waiting for its own; the results are the same as row by row.
struct BatchedScreen {
    private(set) var screen: ContactScreen
    private(set) var accepted: [AcceptedContact] = []
    private(set) var rejected: [RejectedRow] = []
    private var pending: [(row: ContactRow, outcome: PhoneNormalizer.Outcome)] = []
    private var numbers: [UInt64] = []

    init(_ screen: ContactScreen) {
        self.screen = screen
        pending.reserveCapacity(256)
        numbers.reserveCapacity(256)
    }

    mutating func add(_ row: ContactRow) {
        let outcome = screen.normalizer.normalize(row.input)
        if case .valid(let number) = outcome { numbers.append(number.value) }
        pending.append((row, outcome))
        if pending.count == 256 { flush() }
    }

    /// Screens what is still waiting; call once after the last row.
    mutating func flush() {
        numbers.withUnsafeBufferPointer { screen.warm($0) }
        for (row, outcome) in pending {
            switch screen.verdict(outcome, line: row.line) {
            case .accepted(let number):
                accepted.append(AcceptedContact(phone: number, line: row.line, variables: row.variables))
            case .rejected(let reason, let duplicateOf):
                rejected.append(RejectedRow(line: row.line, input: row.input, reason: reason, duplicateOf: duplicateOf))
            }
        }
        pending.removeAll(keepingCapacity: true)
        numbers.removeAll(keepingCapacity: true)
    }
}
