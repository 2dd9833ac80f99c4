/// Why a row of a contact list was refused. The raw values are the fixed vocabulary written to
/// `rejected.csv`; reports and the dashboard rely on exactly these words.
///
/// | value | meaning |
/// |---|---|
/// | `empty` | the phone cell is blank (or only spaces and dashes) |
/// | `not-a-number` | letters or other characters that are not part of a phone number |
/// | `scientific-notation` | an office program turned the number into `6.28123E+11`; digits are lost |
/// | `wrong-country` | after normalising, the number does not start with the configured country code |
/// | `too-short` | fewer digits than `contacts.min_digits` |
/// | `too-long` | more digits than `contacts.max_digits` |
/// | `not-mobile` | only with `contacts.strict_mobile: true`: not a mobile number (`62 8…` in Indonesia) |
/// | `duplicate` | the same number appeared on an earlier row, which is kept |
/// | `opted-out` | the recipient asked not to receive messages (opt-out list) |
/// | `unengaged` | the engagement guard: they received their last campaigns and never read nor replied |
public enum RejectionReason: String, Sendable, CaseIterable, Hashable, CustomStringConvertible {
    case empty
    case notANumber = "not-a-number"
    case scientificNotation = "scientific-notation"
    case wrongCountry = "wrong-country"
    case tooShort = "too-short"
    case tooLong = "too-long"
    case notMobile = "not-mobile"
    case duplicate
    case optedOut = "opted-out"
    case unengaged

    public var description: String { rawValue }
}
