/// A normalised phone number in international form without `+` (`6281234567890`).
///
/// Stored as its integer value: an accepted number always starts with a country code, which never
/// starts with `0`, so the value keeps every digit. Eight bytes per number keep million-row lists small.
public struct PhoneNumber: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The digits as an integer (`6281234567890`).
    public let value: UInt64

    /// Wraps an already normalised value; `value` must not be zero.
    public init(value: UInt64) {
        precondition(value != 0, "a phone number cannot be zero")
        self.value = value
    }

    /// Parses a string of 1 to 19 ASCII digits without a leading zero (an already normalised number).
    /// Returns nil for anything else; use ``PhoneNormalizer`` for what people type.
    public init?(digits: String) {
        guard !digits.isEmpty, digits.utf8.count <= 19, digits.utf8.first != UInt8(ascii: "0"),
              digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = UInt64(digits)
        else { return nil }
        self.value = value
    }

    /// The digits (`6281234567890`).
    public var description: String { String(value) }

    /// Number of decimal digits.
    public var digitCount: Int {
        var count = 1
        var rest = value / 10
        while rest > 0 {
            count += 1
            rest /= 10
        }
        return count
    }

    public static func < (lhs: PhoneNumber, rhs: PhoneNumber) -> Bool { lhs.value < rhs.value }
}
