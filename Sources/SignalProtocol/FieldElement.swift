/// Arithmetic modulo p = 2^255 − 19 on public values, for converting a Montgomery u-coordinate
/// to an Edwards y-coordinate when verifying signatures. Not constant time: never use it on secrets.
///
/// Four 64-bit limbs held inline: no operation allocates (the first version built arrays in
/// every operation and an inversion made thousands of allocations, a third of a debug build's
/// send-path profile). Between operations a value is any 256-bit number congruent to the
/// element; it is reduced below p only when it is written out or compared.
struct FieldElement: Sendable {
    /// Little-endian 64-bit limbs of a value below 2^256 (not necessarily below p).
    var limbs: InlineArray<4, UInt64>

    static let zero = FieldElement(limbs: [0, 0, 0, 0])
    static let one = FieldElement(limbs: [1, 0, 0, 0])
    /// p = 2^255 − 19.
    private static let p: InlineArray<4, UInt64> = [0xFFFF_FFFF_FFFF_FFED, 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF, 0x7FFF_FFFF_FFFF_FFFF]

    init(limbs: InlineArray<4, UInt64>) {
        self.limbs = limbs
    }

    /// From 32 little-endian bytes (the caller clears bit 255 first).
    init(littleEndian bytes: [UInt8]) {
        precondition(bytes.count == 32)
        var limbs: InlineArray<4, UInt64> = [0, 0, 0, 0]
        for i in 0..<32 { limbs[i / 8] |= UInt64(bytes[i]) << (8 * UInt64(i % 8)) }
        self.limbs = limbs
    }

    /// The canonical encoding: the value reduced below p, 32 bytes little-endian.
    var littleEndianBytes: [UInt8] {
        let reduced = canonicalLimbs
        var out = [UInt8](repeating: 0, count: 32)
        for i in 0..<32 { out[i] = UInt8(truncatingIfNeeded: reduced[i / 8] >> (8 * UInt64(i % 8))) }
        return out
    }

    /// The limbs of the value reduced below p (a value below 2^256 is less than 3p: at most two subtractions).
    var canonicalLimbs: InlineArray<4, UInt64> {
        var l = limbs
        while !Self.less(l, Self.p) {
            var borrow = false
            for i in 0..<4 {
                let (d1, o1) = l[i].subtractingReportingOverflow(Self.p[i])
                let (d2, o2) = d1.subtractingReportingOverflow(borrow ? 1 : 0)
                l[i] = d2
                borrow = o1 || o2
            }
        }
        return l
    }

    private static func less(_ a: InlineArray<4, UInt64>, _ b: InlineArray<4, UInt64>) -> Bool {
        for i in stride(from: 3, through: 0, by: -1) where a[i] != b[i] { return a[i] < b[i] }
        return false
    }

    /// Adds `carry · 38` (2^256 ≡ 38 mod p) back into a 256-bit value until nothing carries out.
    @inline(__always)
    private static func fold(_ l: inout InlineArray<4, UInt64>, carry: UInt64) {
        var c = carry
        while c != 0 {
            let (high, low) = c.multipliedFullWidth(by: 38)
            var add = low
            var next = high
            for i in 0..<4 {
                let (s, o) = l[i].addingReportingOverflow(add)
                l[i] = s
                add = o ? 1 : 0
                if add == 0 { break }
            }
            next &+= add
            c = next
        }
    }

    static func + (a: FieldElement, b: FieldElement) -> FieldElement {
        var r: InlineArray<4, UInt64> = [0, 0, 0, 0]
        var carry: UInt64 = 0
        for i in 0..<4 {
            let (s1, o1) = a.limbs[i].addingReportingOverflow(b.limbs[i])
            let (s2, o2) = s1.addingReportingOverflow(carry)
            r[i] = s2
            carry = (o1 ? 1 : 0) + (o2 ? 1 : 0)
        }
        fold(&r, carry: carry)
        return FieldElement(limbs: r)
    }

    static func - (a: FieldElement, b: FieldElement) -> FieldElement {
        // a − b = a + (p − b), with b reduced below p first so that p − b does not go negative.
        let y = b.canonicalLimbs
        var negated: InlineArray<4, UInt64> = [0, 0, 0, 0]
        var borrow = false
        for i in 0..<4 {
            let (d1, o1) = p[i].subtractingReportingOverflow(y[i])
            let (d2, o2) = d1.subtractingReportingOverflow(borrow ? 1 : 0)
            negated[i] = d2
            borrow = o1 || o2
        }
        return a + FieldElement(limbs: negated)
    }

    static func * (a: FieldElement, b: FieldElement) -> FieldElement {
        // The 512-bit product, then its high half folded into the low half (2^256 ≡ 38).
        var t: InlineArray<8, UInt64> = [0, 0, 0, 0, 0, 0, 0, 0]
        for i in 0..<4 {
            var carry: UInt64 = 0
            for j in 0..<4 {
                let product = UInt128(a.limbs[i]) * UInt128(b.limbs[j]) + UInt128(t[i + j]) + UInt128(carry)
                t[i + j] = UInt64(truncatingIfNeeded: product)
                carry = UInt64(truncatingIfNeeded: product >> 64)
            }
            t[i + 4] = carry
        }
        var r: InlineArray<4, UInt64> = [0, 0, 0, 0]
        var carry: UInt128 = 0
        for i in 0..<4 {
            let v = UInt128(t[i]) + UInt128(t[i + 4]) * 38 + carry
            r[i] = UInt64(truncatingIfNeeded: v)
            carry = v >> 64
        }
        fold(&r, carry: UInt64(carry))
        return FieldElement(limbs: r)
    }

    /// self^(2^n).
    private func squared(times n: Int) -> FieldElement {
        var x = self
        for _ in 0..<n { x = x * x }
        return x
    }

    /// a^(p−2), the inverse of a (0 maps to 0), with the addition chain of ref10's `fe_invert`:
    /// 254 squarings and 11 multiplications.
    func inverse() -> FieldElement {
        let z2 = self * self
        let z9 = z2.squared(times: 2) * self
        let z11 = z9 * z2
        let z2_5_0 = (z11 * z11) * z9
        let z2_10_0 = z2_5_0.squared(times: 5) * z2_5_0
        let z2_20_0 = z2_10_0.squared(times: 10) * z2_10_0
        let z2_40_0 = z2_20_0.squared(times: 20) * z2_20_0
        let z2_50_0 = z2_40_0.squared(times: 10) * z2_10_0
        let z2_100_0 = z2_50_0.squared(times: 50) * z2_50_0
        let z2_200_0 = z2_100_0.squared(times: 100) * z2_100_0
        let z2_250_0 = z2_200_0.squared(times: 50) * z2_50_0
        return z2_250_0.squared(times: 5) * z11
    }
}
