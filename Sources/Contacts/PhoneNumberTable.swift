#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A compact open-addressing hash map from a phone number's value to a 32-bit payload (a line number).
///
/// Key and payload share one 16-byte slot, so a probe touches one cache line; the table grows at
/// 70% load. A million distinct numbers take 16–32 MB, where `Dictionary<String, Int>` needs several
/// times that. Large tables ask Linux for huge pages: lookups are random, and with 4 KB pages
/// nearly every one would also miss the TLB. Zero marks an empty slot, which no phone number can be.
struct PhoneNumberTable: @unchecked Sendable {
    // `@unchecked`: the storage is never shared mutably; writers copy it first (copy-on-write).
    private var storage: SlotStorage
    private(set) var count = 0

    /// Sized so that `expected` numbers fit without growing.
    init(expected: Int = 0) {
        var capacity = 16
        while capacity * 7 < expected * 10 { capacity <<= 1 }
        storage = SlotStorage(capacity: capacity)
    }

    /// The payload stored for `key`, if any.
    func payload(for key: UInt64) -> UInt32? {
        let slots = storage.slots
        let mask = storage.capacity - 1
        var index = storage.home(of: key)
        while true {
            let stored = slots[index].key
            if stored == key { return slots[index].payload }
            if stored == 0 { return nil }
            index = (index + 1) & mask
        }
    }

    /// Inserts `key` with `payload` unless present; returns the payload already stored, or nil when inserted.
    mutating func insert(_ key: UInt64, payload: UInt32) -> UInt32? {
        precondition(key != 0, "zero is the empty marker")
        if (count + 1) * 10 > storage.capacity * 7 {
            grow()
        } else if !isKnownUniquelyReferenced(&storage) {
            storage = storage.copy(capacity: storage.capacity)
        }
        let slots = storage.slots
        let mask = storage.capacity - 1
        var index = storage.home(of: key)
        while true {
            let stored = slots[index].key
            if stored == key { return slots[index].payload }
            if stored == 0 {
                slots[index] = Slot(key: key, payload: payload)
                count += 1
                return nil
            }
            index = (index + 1) & mask
        }
    }

    func contains(_ key: UInt64) -> Bool { payload(for: key) != nil }

    /// Loads the home slot of `key` and returns what it holds. Calling this for a batch of keys
    /// before working on them lets the processor fetch their cache lines in parallel.
    func touch(_ key: UInt64) -> UInt64 { storage.slots[storage.home(of: key)].key }

    private mutating func grow() {
        storage = storage.copy(capacity: storage.capacity * 2)
    }
}

struct Slot {
    var key: UInt64
    var payload: UInt32
}

/// The slots of a ``PhoneNumberTable``, owned and freed here.
final class SlotStorage {
    let capacity: Int
    let slots: UnsafeMutablePointer<Slot>
    private let shift: UInt64
    private let bytes: Int

    init(capacity: Int) {
        self.capacity = capacity
        shift = UInt64(64 - capacity.trailingZeroBitCount)
        bytes = capacity * MemoryLayout<Slot>.stride
        var raw: UnsafeMutableRawPointer?
        let hugePage = 2 << 20
        let large = bytes >= hugePage
        guard posix_memalign(&raw, large ? hugePage : 64, bytes) == 0, let raw else {
            fatalError("out of memory for \(capacity) phone numbers")
        }
        #if os(Linux)
        if large { _ = madvise(raw, bytes, 14) }  // MADV_HUGEPAGE: a hint, ignored where unsupported
        #endif
        memset(raw, 0, bytes)
        slots = raw.bindMemory(to: Slot.self, capacity: capacity)
    }

    deinit {
        free(slots)
    }

    /// Fibonacci hashing: multiply by 2^64/φ and keep the top bits, which mixes sequential numbers well.
    @inline(__always)
    func home(of key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// A new storage of `capacity` slots holding the same entries.
    func copy(capacity newCapacity: Int) -> SlotStorage {
        let other = SlotStorage(capacity: newCapacity)
        let mask = newCapacity - 1
        for position in 0..<capacity where slots[position].key != 0 {
            var index = other.home(of: slots[position].key)
            while other.slots[index].key != 0 { index = (index + 1) & mask }
            other.slots[index] = slots[position]
        }
        return other
    }
}
