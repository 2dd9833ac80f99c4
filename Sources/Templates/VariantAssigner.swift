/// Assigns each contact to one of a template's variants for A/B tests.
///
/// The assignment depends only on the campaign and the phone number, so it is the same after a
/// restart and can be recomputed for reports; hashing spreads contacts evenly across variants.
public enum VariantAssigner {
    public static func variantIndex(campaign: String, phone: String, variantCount: Int) -> Int {
        precondition(variantCount > 0, "a template has at least one variant")
        guard variantCount > 1 else { return 0 }
        let hash = SpinRandom.hash([campaign, phone, "variant"])
        // Multiply-shift maps the hash onto 0..<count without modulo bias worth measuring.
        return Int(((hash >> 32) * UInt64(variantCount)) >> 32)
    }
}
