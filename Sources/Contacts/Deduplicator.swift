/// Remembers every accepted number and the line it first appeared on, so later rows with the same
/// number (however it was written: `0812…`, `+62 812-…`, `62812…`) are reported as duplicates of it.
public struct Deduplicator: Sendable {
    private var seen: PhoneNumberTable

    /// `expectedCount` pre-sizes the table (a hint; it grows as needed).
    public init(expectedCount: Int = 0) {
        seen = PhoneNumberTable(expected: expectedCount)
    }

    /// Records `number` as seen on `line` and returns nil; if it was seen before, records nothing
    /// and returns the line of its first occurrence.
    public mutating func record(_ number: PhoneNumber, line: Int) -> Int? {
        seen.insert(number.value, payload: UInt32(clamping: line)).map(Int.init)
    }

    /// Distinct numbers recorded so far.
    public var count: Int { seen.count }

    /// Whether `number` has been recorded.
    public func contains(_ number: PhoneNumber) -> Bool { seen.contains(number.value) }

    /// Starts fetching the table slot `number` will need (see ``PhoneNumberTable/touch(_:)``).
    func touch(_ number: PhoneNumber) -> UInt64 { seen.touch(number.value) }
}
