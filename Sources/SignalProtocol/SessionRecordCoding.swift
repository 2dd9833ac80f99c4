public import Foundation

/// A session record as bytes: a compact binary form, written since session records were kept in
/// place; JSON (what older versions wrote) is still read. A record is rewritten on every message,
/// and JSON coding of its keys (as base64 strings, key by key) cost about a tenth of a campaign's CPU.
///
/// Binary form, version 1 (integers little-endian, byte strings as a UInt16 length and the bytes):
/// `53 52 01`, then the current state (a presence byte, then the state), a UInt8 count of previous
/// states and each one. A state: version (UInt8), local identity, remote identity (32 bytes
/// each), local and remote registration ids (UInt32), root key, base key (32), previous counter
/// (UInt32), the sending chain (ratchet private key, ratchet public key (32), chain key), the
/// receiving chains (UInt8 count; each: ratchet key (32), chain key, UInt16 count of skipped
/// message keys: cipher key, MAC key, IV, counter (UInt32)) and the pending prekey (a presence
/// byte; then a presence byte and UInt32 for the one-time prekey id, the signed prekey id (UInt32)
/// and the base key (32)). A chain key is its key and index (UInt32).
extension SessionRecord {
    static let binaryMagic: [UInt8] = [0x53, 0x52, 0x01]

    public func serialized() throws -> Data {
        var writer = RecordWriter()
        writer.bytes += Self.binaryMagic
        writer.optional(current) { $0.state($1) }
        writer.u8(UInt8(previous.count))
        for state in previous { writer.state(state) }
        return Data(writer.bytes)
    }

    /// Reads either form: the binary one, or JSON from an older version.
    public init(serialized data: Data) throws {
        guard data.starts(with: Self.binaryMagic) else {
            self = try JSONDecoder().decode(SessionRecord.self, from: data)
            return
        }
        var reader = RecordReader(bytes: [UInt8](data), index: Self.binaryMagic.count)
        var record = SessionRecord()
        record.current = try reader.optional { try $0.state() }
        let count = try reader.u8()
        for _ in 0..<count { record.previous.append(try reader.state()) }
        guard reader.index == reader.bytes.count else { throw SignalError(.invalidMessage, "a session record has bytes after its end") }
        self = record
    }
}

private struct RecordWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    mutating func data(_ value: Data) {
        u16(UInt16(value.count))
        bytes += value
    }
    mutating func key(_ key: PublicKey) { bytes += key.raw }
    mutating func optional<T>(_ value: T?, _ write: (inout RecordWriter, T) -> Void) {
        u8(value == nil ? 0 : 1)
        if let value { write(&self, value) }
    }

    mutating func chainKey(_ chain: ChainKey) {
        data(chain.key)
        u32(chain.index)
    }

    mutating func state(_ state: SessionState) {
        u8(UInt8(truncatingIfNeeded: state.version))
        key(state.localIdentity)
        key(state.remoteIdentity)
        u32(state.localRegistrationId)
        u32(state.remoteRegistrationId)
        data(state.rootKey)
        key(state.baseKey)
        u32(state.previousCounter)
        data(state.senderChain.ratchetKeyPair.privateKey)
        key(state.senderChain.ratchetKeyPair.publicKey)
        chainKey(state.senderChain.chainKey)
        u8(UInt8(state.receiverChains.count))
        for chain in state.receiverChains {
            key(chain.ratchetKey)
            chainKey(chain.chainKey)
            u16(UInt16(chain.skipped.count))
            for keys in chain.skipped {
                data(keys.cipherKey)
                data(keys.macKey)
                data(keys.iv)
                u32(keys.counter)
            }
        }
        optional(state.pendingPreKey) { writer, pending in
            writer.optional(pending.preKeyId) { $0.u32($1) }
            writer.u32(pending.signedPreKeyId)
            writer.key(pending.baseKey)
        }
    }
}

private struct RecordReader {
    let bytes: [UInt8]
    var index: Int

    mutating func take(_ count: Int) throws(SignalError) -> ArraySlice<UInt8> {
        guard count <= bytes.count - index else { throw SignalError(.invalidMessage, "a session record ends too early") }
        defer { index += count }
        return bytes[index..<(index + count)]
    }

    mutating func u8() throws(SignalError) -> UInt8 { try take(1).first! }
    mutating func u16() throws(SignalError) -> UInt16 { try take(2).reversed().reduce(0) { $0 << 8 | UInt16($1) } }
    mutating func u32() throws(SignalError) -> UInt32 { try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) } }
    mutating func data() throws(SignalError) -> Data { Data(try take(Int(try u16()))) }
    mutating func key() throws(SignalError) -> PublicKey { try PublicKey(raw: Data(try take(32))) }

    mutating func optional<T>(_ read: (inout RecordReader) throws -> T) throws -> T? {
        switch try u8() {
        case 0: return nil
        case 1: return try read(&self)
        default: throw SignalError(.invalidMessage, "a session record has a bad presence byte")
        }
    }

    mutating func chainKey() throws(SignalError) -> ChainKey {
        let key = try data()
        return ChainKey(key: key, index: try u32())
    }

    mutating func state() throws -> SessionState {
        let version = Int(try u8())
        let localIdentity = try key(), remoteIdentity = try key()
        let localRegistrationId = try u32(), remoteRegistrationId = try u32()
        let rootKey = try data()
        let baseKey = try key()
        let previousCounter = try u32()
        let ratchetPrivate = try data()
        let ratchetPublic = try key()
        let senderChain = SessionState.SenderChain(ratchetKeyPair: KeyPair(privateKey: ratchetPrivate, publicKey: ratchetPublic), chainKey: try chainKey())
        var receiverChains: [SessionState.ReceiverChain] = []
        for _ in 0..<(try u8()) {
            var chain = SessionState.ReceiverChain(ratchetKey: try key(), chainKey: try chainKey())
            for _ in 0..<(try u16()) {
                let cipherKey = try data(), macKey = try data(), iv = try data()
                chain.skipped.append(MessageKeys(cipherKey: cipherKey, macKey: macKey, iv: iv, counter: try u32()))
            }
            receiverChains.append(chain)
        }
        let pending = try optional { reader -> SessionState.PendingPreKey in
            let preKeyId = try reader.optional { try $0.u32() }
            return SessionState.PendingPreKey(preKeyId: preKeyId, signedPreKeyId: try reader.u32(), baseKey: try reader.key())
        }
        return SessionState(version: version, localIdentity: localIdentity, remoteIdentity: remoteIdentity,
                            localRegistrationId: localRegistrationId, remoteRegistrationId: remoteRegistrationId, rootKey: rootKey,
                            baseKey: baseKey, previousCounter: previousCounter, senderChain: senderChain,
                            receiverChains: receiverChains, pendingPreKey: pending)
    }
}
