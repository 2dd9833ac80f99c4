internal import CSiaranSodium
import Foundation

/// The archive key: Argon2id (libsodium's `crypto_pwhash`) over the passphrase with the archive's
/// random salt. Wiped from memory when dropped.
final class BackupKey {
    private(set) var bytes: [UInt8]

    /// Work factors written into each archive header, so a later version can raise them and
    /// still open old archives: libsodium's "moderate" operations over 64 MiB of memory.
    static var defaultOpsLimit: UInt64 { UInt64(crypto_pwhash_opslimit_moderate()) }
    static var defaultMemLimit: UInt64 { UInt64(crypto_pwhash_memlimit_interactive()) }
    static var saltBytes: Int { Int(crypto_pwhash_saltbytes()) }

    init(passphrase: String, salt: [UInt8], opsLimit: UInt64, memLimit: UInt64) throws {
        guard sodium_init() >= 0 else { throw BackupError(.io, detail: "libsodium could not start") }
        // Bounds keep a damaged header from asking for absurd work or memory.
        guard salt.count == Self.saltBytes, (1...20).contains(opsLimit), (8 * 1024...1 << 32).contains(memLimit) else {
            throw BackupError(.damaged, detail: "the archive's header is damaged (key parameters out of range)")
        }
        var key = [UInt8](repeating: 0, count: Int(crypto_secretstream_xchacha20poly1305_keybytes()))
        let length = UInt64(passphrase.utf8.count)
        let status = passphrase.withCString { password in
            crypto_pwhash(&key, UInt64(key.count), password, length, salt, opsLimit, Int(memLimit), crypto_pwhash_alg_argon2id13())
        }
        guard status == 0 else { throw BackupError(.io, detail: "not enough memory to derive the archive key (Argon2id needs \(memLimit >> 20) MiB)") }
        bytes = key
    }

    static func randomSalt() -> [UInt8] {
        _ = sodium_init()
        var salt = [UInt8](repeating: 0, count: saltBytes)
        randombytes_buf(&salt, salt.count)
        return salt
    }

    deinit {
        bytes.withUnsafeMutableBytes { sodium_memzero($0.baseAddress, $0.count) }
    }
}
