/// A compact open-addressing hash map from a phone number's value to a 32-bit payload (a line number).
///
/// Twelve bytes a slot and a load factor of at most one half: a million distinct numbers fit in about
/// 25 MB, where `Dictionary<String, Int>` needs several times that. Zero marks an empty slot, which
/// no phone number can be.
struct PhoneNumberTable: Sendable {
    private var keys: [UInt64]
    private var payloads: [UInt32]
    private var shift: UInt64
    private(set) var count = 0

    /// Sized so that `expected` numbers fit without growing.
    init(expected: Int = 0) {
        var capacity = 16
        while capacity < expected * 2 { capacity <<= 1 }
        keys = Array(repeating: 0, count: capacity)
        payloads = Array(repeating: 0, count: capacity)
        shift = UInt64(64 - capacity.trailingZeroBitCount)
    }

    /// The payload stored for `key`, if any.
    func payload(for key: UInt64) -> UInt32? {
        let mask = keys.count - 1
        var slot = Self.slot(key, shift)
        while true {
            let stored = keys[slot]
            if stored == key { return payloads[slot] }
            if stored == 0 { return nil }
            slot = (slot + 1) & mask
        }
    }

    /// Inserts `key` with `payload` unless present; returns the payload already stored, or nil when inserted.
    mutating func insert(_ key: UInt64, payload: UInt32) -> UInt32? {
        precondition(key != 0, "zero is the empty marker")
        if (count + 1) * 2 > keys.count { grow() }
        let mask = keys.count - 1
        var slot = Self.slot(key, shift)
        while true {
            let stored = keys[slot]
            if stored == key { return payloads[slot] }
            if stored == 0 {
                keys[slot] = key
                payloads[slot] = payload
                count += 1
                return nil
            }
            slot = (slot + 1) & mask
        }
    }

    func contains(_ key: UInt64) -> Bool { payload(for: key) != nil }

    /// Fibonacci hashing: multiply by 2^64/φ and keep the top bits, which mixes sequential numbers well.
    private static func slot(_ key: UInt64, _ shift: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    private mutating func grow() {
        let oldKeys = keys
        let oldPayloads = payloads
        let capacity = keys.count * 2
        keys = Array(repeating: 0, count: capacity)
        payloads = Array(repeating: 0, count: capacity)
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        count = 0
        for index in oldKeys.indices where oldKeys[index] != 0 {
            _ = insert(oldKeys[index], payload: oldPayloads[index])
        }
    }
}
