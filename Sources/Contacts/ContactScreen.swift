/// Decides row by row which contacts are sent to: normalises and validates the number
/// (``PhoneNormalizer``), refuses opted-out recipients (``OptOutList``) and later repeats of a number
/// (``Deduplicator``). Rows go in in file order; the first occurrence of a number wins and keeps its
/// variables. Opted-out numbers are refused on every row, never counted as duplicates.
///
/// The pipeline's validate and dedupe stages feed it the rows of ``ContactListReader``.
public struct ContactScreen: Sendable {
    public let normalizer: PhoneNormalizer
    public let optOut: OptOutList
    private var deduplicator: Deduplicator
    public private(set) var counts = ContactCounts()
    /// Where warm-up loads go, so the optimiser keeps them.
    private var warmth: UInt64 = 0

    /// `expectedRows` pre-sizes the duplicate table (a hint).
    public init(configuration: ContactsConfiguration, optOut: OptOutList = OptOutList(), expectedRows: Int = 0) {
        normalizer = PhoneNormalizer(configuration: configuration)
        self.optOut = optOut
        deduplicator = Deduplicator(expectedCount: expectedRows)
    }

    /// Screens the next row.
    public mutating func screen(_ row: ContactRow) -> ContactScreening {
        switch verdict(normalizer.normalize(row.input), line: row.line) {
        case .accepted(let number):
            return .accepted(AcceptedContact(phone: number, line: row.line, variables: row.variables))
        case .rejected(let reason, let first):
            return .rejected(RejectedRow(line: row.line, input: row.input, reason: reason, duplicateOf: first))
        }
    }

    /// The decision without building rows, for readers that keep the input as bytes until it is refused.
    enum Verdict {
        case accepted(PhoneNumber)
        case rejected(RejectionReason, duplicateOf: Int?)
    }

    mutating func verdict(_ outcome: PhoneNormalizer.Outcome, line: Int) -> Verdict {
        counts.rows += 1
        switch outcome {
        case .invalid(let reason):
            counts.rejected += 1
            return .rejected(reason, duplicateOf: nil)
        case .valid(let number):
            if optOut.contains(number) {
                counts.optedOut += 1
                counts.rejected += 1
                return .rejected(.optedOut, duplicateOf: nil)
            }
            if let first = deduplicator.record(number, line: line) {
                counts.duplicates += 1
                counts.rejected += 1
                return .rejected(.duplicate, duplicateOf: first)
            }
            counts.accepted += 1
            return .accepted(number)
        }
    }

    /// Loads the duplicate-table slots a batch of numbers will use, all at once: the memory fetches
    /// overlap instead of each row waiting for its own.
    mutating func warm(_ numbers: UnsafeBufferPointer<UInt64>) {
        var sum: UInt64 = 0
        for value in numbers { sum &+= deduplicator.touch(PhoneNumber(value: value)) }
        warmth &+= sum
    }
}
