/// The deterministic random source behind spintax and variant choices.
///
/// Seeded from the campaign, the phone number and the variant, so rendering the same contact
/// again — after a crash, or for a preview — gives exactly the same text.
struct SpinRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    init(campaign: String, phone: String, salt: String = "") {
        self.init(seed: Self.hash([campaign, phone, salt]))
    }

    /// SplitMix64: small, fast, and well distributed for this purpose (not for secrets).
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// FNV-1a over the parts, separated so ("ab","c") and ("a","bc") differ, then mixed once.
    static func hash(_ parts: [String]) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for part in parts {
            for byte in part.utf8 {
                h ^= UInt64(byte)
                h &*= 0x0000_0100_0000_01B3
            }
            h ^= 0xFF
            h &*= 0x0000_0100_0000_01B3
        }
        var mixer = SpinRandom(seed: h)
        return mixer.next()
    }
}
