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

    /// `expectedRows` pre-sizes the duplicate table (a hint).
    public init(configuration: ContactsConfiguration, optOut: OptOutList = OptOutList(), expectedRows: Int = 0) {
        normalizer = PhoneNormalizer(configuration: configuration)
        self.optOut = optOut
        deduplicator = Deduplicator(expectedCount: expectedRows)
    }

    /// Screens the next row.
    public mutating func screen(_ row: ContactRow) -> ContactScreening {
        counts.rows += 1
        switch normalizer.normalize(row.input) {
        case .invalid(let reason):
            return reject(row, reason)
        case .valid(let number):
            if optOut.contains(number) {
                counts.optedOut += 1
                return reject(row, .optedOut)
            }
            if let first = deduplicator.record(number, line: row.line) {
                counts.duplicates += 1
                return reject(row, .duplicate, duplicateOf: first)
            }
            counts.accepted += 1
            return .accepted(AcceptedContact(phone: number, line: row.line, variables: row.variables))
        }
    }

    private mutating func reject(_ row: ContactRow, _ reason: RejectionReason, duplicateOf: Int? = nil) -> ContactScreening {
        counts.rejected += 1
        return .rejected(RejectedRow(line: row.line, input: row.input, reason: reason, duplicateOf: duplicateOf))
    }
}
