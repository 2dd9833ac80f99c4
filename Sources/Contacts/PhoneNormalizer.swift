/// Turns what people type into a ``PhoneNumber`` or the reason it cannot be one.
///
/// Rules, in order (all from `contacts:` in `pipeline.yaml`):
/// 1. Spaces, dashes, dots, parentheses, quotes and invisible Unicode marks (no-break space,
///    zero-width and direction marks pasted from phone contacts) are ignored. An Excel text prefix
///    (`'0812…`, `="0812…"`) is ignored. A trunk zero written as `(0)` after the country code
///    (`+62 (0)812…`) is dropped.
/// 2. A number an office program wrote as `6.28123E+11` is refused (`scientific-notation`): digits are lost.
///    Any other letter or symbol is refused as `not-a-number`; nothing at all is `empty`.
/// 3. `+62…` and `0062…` become `62…`; a local number with one trunk zero (`0812…`) becomes
///    `62812…` when `convertLocalPrefix` is on (otherwise it is `wrong-country`).
/// 4. Fewer than `minDigits` digits: `too-short`; not starting with the country code: `wrong-country`;
///    more than `maxDigits`: `too-long`; with `strictMobile` in Indonesia, not `62 8…`: `not-mobile`.
///
/// Works on UTF-8 bytes without allocating, so a million rows take milliseconds.
public struct PhoneNormalizer: Sendable {
    /// The result of normalising one input.
    public enum Outcome: Sendable, Hashable {
        case valid(PhoneNumber)
        case invalid(RejectionReason)

        /// The number, when valid.
        public var phoneNumber: PhoneNumber? {
            if case .valid(let number) = self { return number }
            return nil
        }

        /// The reason, when invalid.
        public var reason: RejectionReason? {
            if case .invalid(let reason) = self { return reason }
            return nil
        }
    }

    public let configuration: ContactsConfiguration
    private let countryValue: UInt64
    private let countryDigits: Int
    private let mobileDigit: UInt64?

    /// `configuration.countryCode` should be 1 to 3 digits (``ContactsConfiguration/validate()``);
    /// with anything else every number is `wrong-country`.
    public init(configuration: ContactsConfiguration = ContactsConfiguration()) {
        self.configuration = configuration
        let code = configuration.countryCode
        if let value = UInt64(code), value > 0, code.utf8.count <= 3, code.utf8.first != UInt8(ascii: "0") {
            countryValue = value
            countryDigits = code.utf8.count
        } else {
            countryValue = 0
            countryDigits = 0
        }
        // Mobile numbers are recognisable by their first national digit only where we know the plan.
        mobileDigit = code == "62" ? 8 : nil
    }

    /// Normalises and validates one input as typed in a file.
    public func normalize(_ input: String) -> Outcome {
        var copy = input
        return copy.withUTF8 { normalize(utf8: $0) }
    }

    /// Normalises and validates one input given as UTF-8 bytes.
    public func normalize(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Outcome {
        var scan = Scan()
        scan.run(bytes)
        if scan.foreign {
            return .invalid(scan.sawLetterE && Self.isScientificNotation(bytes) ? .scientificNotation : .notANumber)
        }
        if scan.digitsSeen == 0 { return .invalid(.empty) }
        return classify(scan)
    }

    func classify(_ scan: Scan) -> Outcome {
        var number = scan.value
        var digits = scan.significant
        // The first significant digits, read from `scan.leading` to avoid dividing.
        var countryFound: UInt64
        var firstNationalDigit: UInt64
        if scan.sawPlus || scan.leadingZeros >= 2 {
            // International form: `+62…` or `0062…`. More zeros, or `+0…`, is no country at all.
            let allowedZeros = scan.sawPlus ? 0 : 2
            if scan.leadingZeros != allowedZeros { return .invalid(.wrongCountry) }
            countryFound = countryDigits > 0 ? scan.leading(countryDigits) : 0
            firstNationalDigit = countryDigits > 0 ? scan.leading(countryDigits + 1) % 10 : 0
        } else if scan.leadingZeros == 1 {
            guard configuration.convertLocalPrefix, countryValue != 0 else { return .invalid(.wrongCountry) }
            if digits + countryDigits > 19 { return .invalid(.tooLong) }
            number = countryValue &* Self.powersOfTen[digits] &+ number
            digits += countryDigits
            countryFound = countryValue
            firstNationalDigit = scan.leading(1)
        } else {
            countryFound = countryDigits > 0 ? scan.leading(countryDigits) : 0
            firstNationalDigit = countryDigits > 0 ? scan.leading(countryDigits + 1) % 10 : 0
        }
        if digits > 19 { return .invalid(.tooLong) }
        if digits < configuration.minDigits || digits <= countryDigits { return .invalid(.tooShort) }
        guard countryValue != 0, countryFound == countryValue else { return .invalid(.wrongCountry) }
        if digits > configuration.maxDigits { return .invalid(.tooLong) }
        if configuration.strictMobile, let mobileDigit, firstNationalDigit != mobileDigit {
            return .invalid(.notMobile)
        }
        return .valid(PhoneNumber(value: number))
    }

    static let powersOfTen: [UInt64] = (0...19).map { exponent in
        (0..<exponent).reduce(UInt64(1)) { product, _ in product * 10 }
    }

    /// `6.28123E+11`, `6,28E+11`, `628123E11`: what Excel shows for a long number in a narrow column.
    static func isScientificNotation(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var cursor = ByteCursor(bytes: bytes)
        cursor.skipSpaces()
        cursor.skipSign()
        guard cursor.skipDigits() > 0 else { return false }
        if cursor.skip(UInt8(ascii: ".")) || cursor.skip(UInt8(ascii: ",")) {
            guard cursor.skipDigits() > 0 else { return false }
        }
        guard cursor.skip(UInt8(ascii: "e")) || cursor.skip(UInt8(ascii: "E")) else { return false }
        cursor.skipSign()
        guard cursor.skipDigits() > 0 else { return false }
        cursor.skipSpaces()
        return cursor.atEnd
    }
}

/// A position in a byte buffer with the few steps a pattern check needs.
private struct ByteCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    var atEnd: Bool { index == bytes.count }

    mutating func skip(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    mutating func skipSign() {
        if !skip(UInt8(ascii: "+")) { _ = skip(UInt8(ascii: "-")) }
    }

    mutating func skipSpaces() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }
    }

    mutating func skipDigits() -> Int {
        let start = index
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
        return index - start
    }
}

/// One pass over the bytes of an input: digits collected, separators skipped, anything else noted.
struct Scan {
    var value: UInt64 = 0
    var significant = 0
    /// The value after 1, 2, 3 and 4 significant digits (`6`, `62`, `628`, `6281`).
    var lead1: UInt64 = 0
    var lead2: UInt64 = 0
    var lead3: UInt64 = 0
    var lead4: UInt64 = 0
    var leadingZeros = 0
    var digitsSeen = 0
    var sawPlus = false
    var foreign = false
    var sawLetterE = false

    /// A scan of the run of ASCII digits starting at `start`, and where the run stops. Inlined
    /// into the numbers-file loop, where most lines are nothing but digits.
    @inline(__always)
    static func digitRun(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> (scan: Scan, stop: Int) {
        var scan = Scan()
        var index = start
        while index < end, base[index] == 0x30 { index &+= 1 }
        let significantStart = index
        var value: UInt64 = 0
        while index < end {
            let digit = base[index] &- 0x30
            if digit >= 10 { break }
            value = value &* 10 &+ UInt64(digit)
            index &+= 1
        }
        let significant = index &- significantStart
        scan.leadingZeros = significantStart &- start
        scan.digitsSeen = index &- start
        scan.significant = significant
        scan.value = value
        // The first digits are read again only once per line, not tracked digit by digit.
        if significant >= 1 { scan.lead1 = UInt64(base[significantStart] &- 0x30) }
        if significant >= 2 { scan.lead2 = scan.lead1 &* 10 &+ UInt64(base[significantStart &+ 1] &- 0x30) }
        if significant >= 3 { scan.lead3 = scan.lead2 &* 10 &+ UInt64(base[significantStart &+ 2] &- 0x30) }
        if significant >= 4 { scan.lead4 = scan.lead3 &* 10 &+ UInt64(base[significantStart &+ 3] &- 0x30) }
        return (scan, index)
    }

    /// The value after `count` (1 to 4) significant digits.
    func leading(_ count: Int) -> UInt64 {
        switch count {
        case 1: lead1
        case 2: lead2
        case 3: lead3
        default: lead4
        }
    }

    mutating func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        // Locals, not stored properties, in the loop: they stay in registers.
        var value: UInt64 = 0
        var significant = 0
        var lead1: UInt64 = 0
        var lead2: UInt64 = 0
        var lead3: UInt64 = 0
        var lead4: UInt64 = 0
        var leadingZeros = 0
        var digitsSeen = 0
        var sawPlus = false
        var foreign = false
        var sawLetterE = false
        var index = 0
        let end = bytes.count
        while index < end {
            let byte = bytes[index]
            let digit = byte &- 0x30
            if digit < 10 {
                if significant == 0 && digit == 0 {
                    leadingZeros &+= 1
                } else {
                    significant &+= 1
                    if significant <= 19 { value = value &* 10 &+ UInt64(digit) }
                    switch significant {
                    case 1: lead1 = value
                    case 2: lead2 = value
                    case 3: lead3 = value
                    case 4: lead4 = value
                    default: break
                    }
                }
                digitsSeen &+= 1
                index &+= 1
                continue
            }
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: ")"), UInt8(ascii: "\""):
                index &+= 1
            case UInt8(ascii: "("):
                // `+62 (0)812…`: the trunk zero in brackets is not dialled from abroad.
                if digitsSeen > 0, index + 2 < end, bytes[index + 1] == 0x30, bytes[index + 2] == UInt8(ascii: ")") {
                    index &+= 3
                } else {
                    index &+= 1
                }
            case UInt8(ascii: "+"):
                if digitsSeen == 0 && !sawPlus { sawPlus = true } else { foreign = true }
                index &+= 1
            case UInt8(ascii: "'"), UInt8(ascii: "="):
                // Excel's ways of keeping a number as text: `'0812…` and `="0812…"`.
                if digitsSeen > 0 || sawPlus { foreign = true }
                index &+= 1
            case 0xC2, 0xE2, 0xE3, 0xEF:
                let width = Self.invisibleSeparatorWidth(bytes, at: index)
                if width == 0 {
                    foreign = true
                    index &+= 1
                } else {
                    index &+= width
                }
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                sawLetterE = true
                foreign = true
                index &+= 1
            default:
                foreign = true
                index &+= 1
            }
        }
        self.value = value
        self.significant = significant
        self.lead1 = lead1
        self.lead2 = lead2
        self.lead3 = lead3
        self.lead4 = lead4
        self.leadingZeros = leadingZeros
        self.digitsSeen = digitsSeen
        self.sawPlus = sawPlus
        self.foreign = foreign
        self.sawLetterE = sawLetterE
    }

    /// Width in bytes of a Unicode space, dash or invisible mark at `index`, or 0 if it is none of them.
    static func invisibleSeparatorWidth(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let end = bytes.count
        let first = bytes[index]
        if first == 0xC2 {
            return index + 1 < end && bytes[index + 1] == 0xA0 ? 2 : 0  // U+00A0 no-break space
        }
        guard index + 2 < end else { return 0 }
        let second = bytes[index + 1]
        let third = bytes[index + 2]
        switch (first, second) {
        case (0xE2, 0x80):
            // U+2000–U+2015 spaces, zero-width marks, LRM/RLM, hyphens, dashes; U+2028–U+202F separators,
            // bidi embeddings, narrow no-break space.
            return (0x80...0x95).contains(third) || (0xA8...0xAF).contains(third) ? 3 : 0
        case (0xE2, 0x81):
            return third == 0xA0 || (0xA6...0xA9).contains(third) ? 3 : 0  // word joiner, bidi isolates
        case (0xE2, 0x88):
            return third == 0x92 ? 3 : 0  // U+2212 minus sign
        case (0xE3, 0x80):
            return third == 0x80 ? 3 : 0  // U+3000 ideographic space
        case (0xEF, 0xBB):
            return third == 0xBF ? 3 : 0  // U+FEFF byte order mark / zero-width no-break space
        default:
            return 0
        }
    }
}
