/// How numbers in a contact list are read, normalised and validated.
/// Built from the `contacts:` section of `pipeline.yaml`; the defaults are Indonesian.
public struct ContactsConfiguration: Sendable, Equatable {
    /// Country calling code every accepted number must start with (`62` for Indonesia).
    public var countryCode: String
    /// Fewest digits a number may have, country code included.
    public var minDigits: Int
    /// Most digits a number may have, country code included (E.164 allows 15).
    public var maxDigits: Int
    /// Rewrite a local number with a trunk `0` (`0812…`) to international form (`62812…`).
    public var convertLocalPrefix: Bool
    /// Accept only mobile numbers (`62 8…` in Indonesia).
    public var strictMobile: Bool
    /// Largest contact file accepted, in bytes.
    public var maxFileBytes: Int
    /// Most data rows accepted in one file.
    public var maxRows: Int

    public init(
        countryCode: String = "62",
        minDigits: Int = 10,
        maxDigits: Int = 15,
        convertLocalPrefix: Bool = true,
        strictMobile: Bool = false,
        maxFileBytes: Int = 100 * 1024 * 1024,
        maxRows: Int = 2_000_000
    ) {
        self.countryCode = countryCode
        self.minDigits = minDigits
        self.maxDigits = maxDigits
        self.convertLocalPrefix = convertLocalPrefix
        self.strictMobile = strictMobile
        self.maxFileBytes = maxFileBytes
        self.maxRows = maxRows
    }
}
