public import Foundation

/// The encrypted archive `siaran backup` writes (extension `.siaranbak`).
///
/// On disk: `SIARANBK`, a format byte, the Argon2id operations and memory limits (8 bytes each,
/// big-endian), the 16-byte salt and the 24-byte secretstream header (the first chunk
/// authenticates all of these), then chunks of `[length: 4 bytes big-endian][ciphertext]`, each
/// at most 64 KiB of plain bytes plus 17 bytes of tag; the last chunk carries the FINAL tag, and
/// nothing may follow it.
///
/// Inside (plain): one record per file, `0x01 [path length: 2][path][mode: 4][size: 8][bytes]`,
/// paths relative with `/`; `manifest.json` last; then `0x00`.
public enum BackupArchive {
    public static let formatVersion = 1
    static let magic = Array("SIARANBK".utf8)
    static let chunkSize = 64 * 1024
    static let fileRecord: UInt8 = 1
    static let endRecord: UInt8 = 0

    /// Passphrases shorter than this are refused: the archive holds the WhatsApp session keys.
    public static let minimumPassphraseLength = 12

    /// Checks the passphrase before any work starts; never echoes it.
    public static func checkPassphrase(_ passphrase: String?) throws -> String {
        guard let passphrase, !passphrase.isEmpty else {
            throw BackupError(.passphrase, detail: "SIARAN_BACKUP_PASSPHRASE is not set: put a long passphrase in .env or the environment (the archive is encrypted with it)")
        }
        guard passphrase.count >= minimumPassphraseLength else {
            throw BackupError(.passphrase, detail: "SIARAN_BACKUP_PASSPHRASE is too short (\(passphrase.count) characters); use at least \(minimumPassphraseLength)")
        }
        return passphrase
    }

    /// A relative path that cannot leave the folder it is restored into.
    static func isSafe(_ path: String) -> Bool {
        guard !path.isEmpty, path.utf8.count <= 4096, !path.hasPrefix("/"), !path.contains("\0"), !path.contains("\\") else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }

    static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    static func integer<T: FixedWidthInteger>(_ bytes: some Collection<UInt8>, as: T.Type = T.self) -> T {
        bytes.reduce(T(0)) { $0 << 8 | T($1) }
    }
}
