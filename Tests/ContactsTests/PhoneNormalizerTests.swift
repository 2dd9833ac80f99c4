import Contacts
import Testing

@Suite("Phone number normalisation and validation")
struct PhoneNormalizerTests {
    let normalizer = PhoneNormalizer()

    @Test("every way staff write one number gives the same international form", arguments: [
        "081234567890", "0812-3456-7890", "0812 3456 7890", "0812.3456.7890", "(0812) 3456-7890",
        "+6281234567890", "+62 812-3456-7890", "+62 (0)812 3456 7890", "0062 812 3456 7890", "6281234567890",
        "'081234567890", "=\"081234567890\"", "\u{00A0}0812\u{2011}3456\u{2011}7890\u{00A0}",
        "\u{202A}+62 812 3456 7890\u{202C}", "\u{FEFF}081234567890", "\u{200E}+62\u{2009}812\u{2009}3456\u{2009}7890",
        "  0812 - 3456 - 7890  ",
    ])
    func sameNumber(_ input: String) {
        #expect(normalizer.normalize(input) == .valid(PhoneNumber(value: 6_281_234_567_890)))
    }

    @Test("refusals carry the reason from the fixed vocabulary", arguments: [
        ("", RejectionReason.empty), ("   ", .empty), ("-", .empty), ("()", .empty),
        ("0812 3456 789O", .notANumber), ("abc", .notANumber), ("0812/3456/7890", .notANumber),
        ("0812-3456-7890 ext 2", .notANumber), ("+62+812", .notANumber), ("0812#", .notANumber),
        ("6.28123E+11", .scientificNotation), ("6,28123E+11", .scientificNotation),
        ("6.28123e11", .scientificNotation), ("628123E+7", .scientificNotation), (" 6.2812345679E+12 ", .scientificNotation),
        ("12345", .tooShort), ("0812345", .tooShort), ("+62 812 345", .tooShort), ("0", .tooShort), ("00", .tooShort),
        ("+1 415 555 2671", .wrongCountry), ("4155552671", .wrongCountry), ("0065 9123 4567", .wrongCountry),
        ("+0812 3456 7890", .wrongCountry), ("000812345678", .wrongCountry),
        ("6281234567890123", .tooLong), ("0812345678901234", .tooLong), ("62812345678901234567890", .tooLong),
    ])
    func refusals(_ input: String, _ reason: RejectionReason) {
        #expect(normalizer.normalize(input) == .invalid(reason), "input \(input)")
    }

    @Test("the reason vocabulary is exactly the documented words")
    func vocabulary() {
        #expect(RejectionReason.allCases.map(\.rawValue) == [
            "empty", "not-a-number", "scientific-notation", "wrong-country", "too-short", "too-long",
            "not-mobile", "duplicate", "opted-out", "unengaged",
        ])
    }

    @Test("local numbers stay refused when the local prefix conversion is off")
    func localPrefixSwitch() {
        let strict = PhoneNormalizer(configuration: .init(convertLocalPrefix: false))
        #expect(strict.normalize("081234567890") == .invalid(.wrongCountry))
        #expect(strict.normalize("+6281234567890") == .valid(PhoneNumber(value: 6_281_234_567_890)))
        #expect(strict.normalize("006281234567890") == .valid(PhoneNumber(value: 6_281_234_567_890)))
    }

    @Test("minimum and maximum digits count the country code")
    func lengths() {
        #expect(normalizer.normalize("62812345678") == .valid(PhoneNumber(value: 62_812_345_678)))  // 11 digits
        #expect(normalizer.normalize("6281234567") == .valid(PhoneNumber(value: 6_281_234_567)))  // 10: the minimum
        #expect(normalizer.normalize("628123456") == .invalid(.tooShort))  // 9
        #expect(normalizer.normalize("628123456789012") == .valid(PhoneNumber(value: 628_123_456_789_012)))  // 15
        let twelve = PhoneNormalizer(configuration: .init(minDigits: 12, maxDigits: 13))
        #expect(twelve.normalize("62812345678") == .invalid(.tooShort))
        #expect(twelve.normalize("62812345678901") == .invalid(.tooLong))
    }

    @Test("strict mobile mode refuses Indonesian landlines only when switched on")
    func strictMobile() {
        let landline = "021 5550 1234"  // Jakarta
        #expect(normalizer.normalize(landline) == .valid(PhoneNumber(value: 622_155_501_234)))
        let strict = PhoneNormalizer(configuration: .init(strictMobile: true))
        #expect(strict.normalize(landline) == .invalid(.notMobile))
        #expect(strict.normalize("081234567890") == .valid(PhoneNumber(value: 6_281_234_567_890)))
    }

    @Test("another country code is honoured")
    func otherCountry() {
        let malaysia = PhoneNormalizer(configuration: .init(countryCode: "60", minDigits: 11))
        #expect(malaysia.normalize("012-345 6789") == .valid(PhoneNumber(value: 60_123_456_789)))
        #expect(malaysia.normalize("+62 812 3456 7890") == .invalid(.wrongCountry))
        let us = PhoneNormalizer(configuration: .init(countryCode: "1", minDigits: 11, convertLocalPrefix: false))
        #expect(us.normalize("+1 (415) 555-2671") == .valid(PhoneNumber(value: 14_155_552_671)))
    }

    @Test("a malformed country code in the settings is reported, and refuses every number")
    func badCountryCode() {
        let configuration = ContactsConfiguration(countryCode: "+62")
        #expect(!configuration.problems.isEmpty)
        #expect(PhoneNormalizer(configuration: configuration).normalize("6281234567890") == .invalid(.wrongCountry))
        #expect(ContactsConfiguration().problems.isEmpty)
        #expect(ContactsConfiguration(minDigits: 12, maxDigits: 11).problems.count == 1)
    }

    @Test("PhoneNumber parses only normalised digits")
    func phoneNumberDigits() {
        #expect(PhoneNumber(digits: "6281234567890")?.description == "6281234567890")
        #expect(PhoneNumber(digits: "6281234567890")?.digitCount == 13)
        #expect(PhoneNumber(digits: "081234567890") == nil)
        #expect(PhoneNumber(digits: "62 812") == nil)
        #expect(PhoneNumber(digits: "") == nil)
        #expect(PhoneNumber(digits: "62812345678901234567") == nil)
    }
}
