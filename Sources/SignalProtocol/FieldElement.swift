/// Arithmetic modulo p = 2^255 − 19 on public values, for converting a Montgomery u-coordinate
/// to an Edwards y-coordinate when verifying signatures. Not constant time: never use it on secrets.
struct FieldElement {
    /// Little-endian 64-bit limbs, always reduced below p.
    var limbs: (UInt64, UInt64, UInt64, UInt64)

    static let p: [UInt64] = [0xFFFF_FFFF_FFFF_FFED, 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF, 0x7FFF_FFFF_FFFF_FFFF]
    static let zero = FieldElement([0, 0, 0, 0])
    static let one = FieldElement([1, 0, 0, 0])

    init(_ l: [UInt64]) {
        limbs = (l[0], l[1], l[2], l[3])
        reduce()
    }

    /// From 32 little-endian bytes (the caller clears bit 255 first).
    init(littleEndian bytes: [UInt8]) {
        var l = [UInt64](repeating: 0, count: 4)
        for i in 0..<32 { l[i / 8] |= UInt64(bytes[i]) << (8 * UInt64(i % 8)) }
        self.init(l)
    }

    var array: [UInt64] { [limbs.0, limbs.1, limbs.2, limbs.3] }

    var littleEndianBytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let l = array
        for i in 0..<32 { out[i] = UInt8(truncatingIfNeeded: l[i / 8] >> (8 * UInt64(i % 8))) }
        return out
    }

    /// Subtracts p while the value is ≥ p.
    private mutating func reduce() {
        while !Self.less(array, Self.p) {
            var l = array
            var borrow: UInt64 = 0
            for i in 0..<4 {
                let (d1, o1) = l[i].subtractingReportingOverflow(Self.p[i])
                let (d2, o2) = d1.subtractingReportingOverflow(borrow)
                l[i] = d2
                borrow = (o1 || o2) ? 1 : 0
            }
            limbs = (l[0], l[1], l[2], l[3])
        }
    }

    private static func less(_ a: [UInt64], _ b: [UInt64]) -> Bool {
        for i in stride(from: 3, through: 0, by: -1) where a[i] != b[i] { return a[i] < b[i] }
        return false
    }

    static func + (a: FieldElement, b: FieldElement) -> FieldElement {
        let x = a.array, y = b.array
        var r = [UInt64](repeating: 0, count: 4)
        var carry: UInt64 = 0
        for i in 0..<4 {
            let (s1, o1) = x[i].addingReportingOverflow(y[i])
            let (s2, o2) = s1.addingReportingOverflow(carry)
            r[i] = s2
            carry = (o1 || o2) ? 1 : 0
        }
        // Both inputs are < p < 2^255, so the sum fits in 256 bits.
        return FieldElement(r)
    }

    static func - (a: FieldElement, b: FieldElement) -> FieldElement {
        // a − b = a + (p − b)
        let y = b.array
        var r = [UInt64](repeating: 0, count: 4)
        var borrow: UInt64 = 0
        for i in 0..<4 {
            let (d1, o1) = p[i].subtractingReportingOverflow(y[i])
            let (d2, o2) = d1.subtractingReportingOverflow(borrow)
            r[i] = d2
            borrow = (o1 || o2) ? 1 : 0
        }
        return a + FieldElement(r)
    }

    static func * (a: FieldElement, b: FieldElement) -> FieldElement {
        let x = a.array, y = b.array
        var t = [UInt64](repeating: 0, count: 8)
        for i in 0..<4 {
            var carry: UInt64 = 0
            for j in 0..<4 {
                let product = UInt128(x[i]) * UInt128(y[j]) + UInt128(t[i + j]) + UInt128(carry)
                t[i + j] = UInt64(truncatingIfNeeded: product)
                carry = UInt64(truncatingIfNeeded: product >> 64)
            }
            t[i + 4] = carry
        }
        // 2^256 ≡ 38 (mod p): fold the high half into the low half.
        var r = [UInt64](repeating: 0, count: 4)
        var carry: UInt128 = 0
        for i in 0..<4 {
            let v = UInt128(t[i]) + UInt128(t[i + 4]) * 38 + carry
            r[i] = UInt64(truncatingIfNeeded: v)
            carry = v >> 64
        }
        while carry > 0 {
            var c = carry * 38
            carry = 0
            for i in 0..<4 {
                let v = UInt128(r[i]) + c
                r[i] = UInt64(truncatingIfNeeded: v)
                c = v >> 64
                if c == 0 { break }
            }
            carry = c
        }
        return FieldElement(r)
    }

    /// a^(p−2), the inverse of a (0 maps to 0).
    func inverse() -> FieldElement {
        var exponent = Self.p
        exponent[0] -= 2
        var result = Self.one
        var base = self
        for limb in exponent {
            var bits = limb
            for _ in 0..<64 {
                if bits & 1 == 1 { result = result * base }
                base = base * base
                bits >>= 1
            }
        }
        return result
    }
}
