/// One non-empty cell of a worksheet row.
struct XLSXCell: Sendable, Equatable {
    /// Zero-based column (`A` is 0).
    var column: Int
    var text: String
    /// Stored as a number (Excel drops leading zeros of such cells).
    var isNumber: Bool

    /// `B12` → 1; nil when the reference has no column letters.
    static func column(ofReference reference: String) -> Int? {
        var column = 0
        var letters = 0
        for byte in reference.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): column = column * 26 + Int(byte - UInt8(ascii: "A")) + 1
            case UInt8(ascii: "a")...UInt8(ascii: "z"): column = column * 26 + Int(byte - UInt8(ascii: "a")) + 1
            default:
                return letters == 0 ? nil : column - 1
            }
            letters += 1
            if letters > 3 { return nil }
        }
        return letters == 0 ? nil : column - 1
    }
}
