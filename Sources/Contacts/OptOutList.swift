/// Numbers whose owners asked not to be messaged (a reply such as STOP or BERHENTI).
/// The caller gathers them from `state/optout.txt` (``load(file:configuration:)``) and the database.
public struct OptOutList: Sendable {
    private var table = PhoneNumberTable()
    /// A further check for numbers the list cannot hold as such (forgotten numbers kept only as a salted hash).
    public var alsoRefuses: (@Sendable (PhoneNumber) -> Bool)?

    /// An empty list.
    public init() {}

    public init(_ numbers: some Sequence<PhoneNumber>) {
        for number in numbers { insert(number) }
    }

    public mutating func insert(_ number: PhoneNumber) {
        _ = table.insert(number.value, payload: 0)
    }

    public func contains(_ number: PhoneNumber) -> Bool { table.contains(number.value) || alsoRefuses?(number) == true }

    public var count: Int { table.count }

    /// Reads an opt-out file: one number per line in any spelling the contact rules understand
    /// (`0812…`, `+62 812-…`; length limits are not applied), blank lines and `#` comments skipped,
    /// lines that are not a number of the configured country ignored.
    /// A missing file is an empty list (nobody has opted out yet).
    public static func load(file: String, configuration: ContactsConfiguration) throws -> OptOutList {
        let probe: FileProbe.Result
        switch Result(catching: { () throws(ContactsError) in try FileProbe.probe(file, maxFileBytes: Int.max) }) {
        case .success(let result): probe = result
        case .failure(let error) where error.code == .notFound: return OptOutList()
        case .failure(let error): throw error
        }
        guard probe.kind == .text else { throw ContactsError(.binary("not a text file of numbers"), file: file) }
        // Only the spelling rules matter here: a number is suppressed however short or long, since
        // it must still pass the list's own rules to be sent to.
        var spelling = configuration
        spelling.minDigits = 1
        spelling.maxDigits = 19
        spelling.strictMobile = false
        return try read(TextByteSource(file: file, maxFileBytes: Int.max), normalizer: PhoneNormalizer(configuration: spelling))
    }

    private static func read(_ source: TextByteSource, normalizer: PhoneNormalizer) throws -> OptOutList {
        var list = OptOutList()
        try TextLineScanner.scan(source) { _, bytes in
            let trimmed = TextLineScanner.trimmed(bytes)
            guard let first = trimmed.first, first != UInt8(ascii: "#") else { return }
            if case .valid(let number) = normalizer.normalize(utf8: trimmed) { list.insert(number) }
        }
        return list
    }
}
