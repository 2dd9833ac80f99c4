internal import CSiaranSodium

/// libsodium's `crypto_secretstream_xchacha20poly1305`: each chunk authenticated, their order
/// fixed, and the last one tagged FINAL so a cut-off archive is noticed.
struct SecretStreamWriter {
    private var state = crypto_secretstream_xchacha20poly1305_state()
    let header: [UInt8]

    init(key: BackupKey) {
        var header = [UInt8](repeating: 0, count: Int(crypto_secretstream_xchacha20poly1305_headerbytes()))
        crypto_secretstream_xchacha20poly1305_init_push(&state, &header, key.bytes)
        self.header = header
    }

    mutating func push(_ plain: [UInt8], additional: [UInt8] = [], final: Bool) -> [UInt8] {
        var cipher = [UInt8](repeating: 0, count: plain.count + Int(crypto_secretstream_xchacha20poly1305_abytes()))
        var length: UInt64 = 0
        let tag = final ? crypto_secretstream_xchacha20poly1305_tag_final() : crypto_secretstream_xchacha20poly1305_tag_message()
        crypto_secretstream_xchacha20poly1305_push(&state, &cipher, &length, plain, UInt64(plain.count),
                                                   additional.isEmpty ? nil : additional, UInt64(additional.count), tag)
        return Array(cipher.prefix(Int(length)))
    }
}

struct SecretStreamReader {
    private var state = crypto_secretstream_xchacha20poly1305_state()
    static var headerBytes: Int { Int(crypto_secretstream_xchacha20poly1305_headerbytes()) }
    static var overhead: Int { Int(crypto_secretstream_xchacha20poly1305_abytes()) }

    /// Nil when the header is not a valid stream header.
    init?(key: BackupKey, header: [UInt8]) {
        guard header.count == Self.headerBytes,
              crypto_secretstream_xchacha20poly1305_init_pull(&state, header, key.bytes) == 0 else { return nil }
    }

    /// The plain bytes and whether this was the FINAL chunk; nil when the chunk fails its check.
    mutating func pull(_ cipher: [UInt8], additional: [UInt8] = []) -> (plain: [UInt8], final: Bool)? {
        guard cipher.count >= Self.overhead else { return nil }
        var plain = [UInt8](repeating: 0, count: cipher.count - Self.overhead)
        var length: UInt64 = 0
        var tag: UInt8 = 0
        let status = crypto_secretstream_xchacha20poly1305_pull(&state, &plain, &length, &tag, cipher, UInt64(cipher.count),
                                                                additional.isEmpty ? nil : additional, UInt64(additional.count))
        guard status == 0 else { return nil }
        return (Array(plain.prefix(Int(length))), tag == crypto_secretstream_xchacha20poly1305_tag_final())
    }
}
