/// Why a backup or a restore stopped, in words an operator can act on. Never holds the passphrase.
public struct BackupError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// `SIARAN_BACKUP_PASSPHRASE` is missing or too short.
        case passphrase
        /// The first block does not open: the passphrase is wrong (or the archive's start is damaged).
        case wrongPassphrase
        /// A later block fails its check, the archive ends early, or a file's checksum differs.
        case damaged
        /// Not a Siaran backup at all, or from a newer format.
        case notABackup
        /// The restore folder exists and is not empty.
        case folderNotEmpty
        /// Reading or writing a file failed.
        case io
    }

    public var code: Code
    public var detail: String

    public init(_ code: Code, detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { detail }
}
