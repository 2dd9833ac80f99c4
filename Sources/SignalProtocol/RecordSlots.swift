import Crypto
public import Foundation

/// A record kept in place in one file of two slots, written alternately: each write goes to the
/// slot that does not hold the newest copy, with `pwrite` and `fdatasync`, so it allocates no
/// inode, renames nothing and leaves the folder alone. A crash in the middle of a write spoils at
/// most the slot being written; the other still holds the copy before it, as a rename would have
/// left the old file.
///
/// A Signal session record is rewritten on every message sent or received; written as a new file
/// renamed over the old one, ext4's inode allocation and the folder's fsync took about a sixth of
/// the CPU of a campaign (`docs/performance/signal.md`).
///
/// Layout: two slots of `slotSize` bytes (a power of two, at least 4 KiB). A slot is a 32-byte
/// header — `SRS1`, generation (UInt64), payload length (UInt32), the first 16 bytes of the
/// payload's SHA-256 — then the payload. The slot with the higher generation whose checksum holds
/// is the record; integers are little-endian. A record that outgrows its slot makes the file
/// anew (twice the size), through a temporary file and a rename, as every write did before.
struct RecordSlots {
    static let fileExtension = ".slots"
    static let magic: [UInt8] = Array("SRS1".utf8)
    static let headerSize = 32
    static let smallestSlot = 4096

    /// What is known of a file after reading or writing it: where the next write goes.
    struct Position: Equatable {
        var slotSize: Int
        var newestSlot: Int
        var generation: UInt64
    }

    /// The newest intact copy in the file at `url`, nil when there is no such file.
    /// - Throws: when the file exists but neither slot holds an intact copy.
    static func read(_ url: URL) throws -> (payload: Data, position: Position)? {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: url.path]) }
        let size = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, size, 0) }
        guard got == size, size >= 2 * smallestSlot, size % 2 == 0 else { throw corrupt(url) }
        let slotSize = size / 2
        var best: (payload: Data, position: Position)?
        for slot in 0..<2 {
            guard let (generation, payload) = parse(bytes[(slot * slotSize)..<((slot + 1) * slotSize)]) else { continue }
            if best == nil || generation > best!.position.generation {
                best = (payload, Position(slotSize: slotSize, newestSlot: slot, generation: generation))
            }
        }
        guard let best else { throw corrupt(url) }
        return best
    }

    /// Writes `payload` as the newest copy: into the other slot of a file read or written before
    /// (`position`), else as a new file. Returns where the next write goes.
    @discardableResult
    static func write(_ payload: Data, to url: URL, after position: Position?) throws -> Position {
        if let position, headerSize + payload.count <= position.slotSize {
            let next = Position(slotSize: position.slotSize, newestSlot: 1 - position.newestSlot, generation: position.generation + 1)
            let fd = open(url.path, O_WRONLY | O_CLOEXEC)
            if fd >= 0 {
                defer { close(fd) }
                let slot = encode(payload, generation: next.generation)
                let wrote = slot.withUnsafeBytes { pwrite(fd, $0.baseAddress, slot.count, off_t(next.newestSlot * position.slotSize)) }
                guard wrote == slot.count, fdatasync(fd) == 0 else {
                    throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
                }
                return next
            }
            // Gone meanwhile (deleted): made anew below.
        }
        var slotSize = max(position?.slotSize ?? smallestSlot, smallestSlot)
        while headerSize + payload.count > slotSize { slotSize *= 2 }
        let generation = (position?.generation ?? 0) + 1
        var file = encode(payload, generation: generation)
        file += [UInt8](repeating: 0, count: 2 * slotSize - file.count)
        try FileSignalStore.atomicWrite(Data(file), to: url)
        return Position(slotSize: slotSize, newestSlot: 0, generation: generation)
    }

    static func encode(_ payload: Data, generation: UInt64) -> [UInt8] {
        var bytes = magic
        bytes.reserveCapacity(headerSize + payload.count)
        withUnsafeBytes(of: generation.littleEndian) { bytes += $0 }
        withUnsafeBytes(of: UInt32(payload.count).littleEndian) { bytes += $0 }
        bytes += SHA256.hash(data: payload).prefix(16)
        bytes += payload
        return bytes
    }

    /// The generation and payload of an intact slot; nil for an empty or torn one.
    static func parse(_ slot: ArraySlice<UInt8>) -> (UInt64, Data)? {
        let start = slot.startIndex
        guard slot.count >= headerSize, Array(slot[start..<(start + 4)]) == magic else { return nil }
        let generation = slot[(start + 4)..<(start + 12)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let length = Int(slot[(start + 12)..<(start + 16)].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        guard length <= slot.count - headerSize else { return nil }
        let payload = Data(slot[(start + headerSize)..<(start + headerSize + length)])
        guard Array(SHA256.hash(data: payload).prefix(16)) == Array(slot[(start + 16)..<(start + 32)]) else { return nil }
        return (generation, payload)
    }

    static func corrupt(_ url: URL) -> CocoaError {
        CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: url.path])
    }
}
