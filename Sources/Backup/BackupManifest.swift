public import Foundation

/// The last file in every archive: what it holds, with a SHA-256 per file. A restore refuses an
/// archive whose files do not match it exactly (one missing, one extra, one byte different).
public struct BackupManifest: Sendable, Codable, Equatable {
    public struct File: Sendable, Codable, Equatable {
        public var path: String
        public var bytes: Int64
        public var sha256: String
    }

    /// Archive layout version; `BackupArchive.formatVersion`.
    public var format: Int
    public var createdAt: Date
    public var siaranVersion: String
    /// How the database got in: `sqlite-online-backup` or `postgresql-logical-export` (both give state/siaran.sqlite).
    public var database: String
    public var files: [File]

    public init(format: Int = BackupArchive.formatVersion, createdAt: Date, siaranVersion: String, database: String, files: [File]) {
        self.format = format
        self.createdAt = createdAt
        self.siaranVersion = siaranVersion
        self.database = database
        self.files = files
    }

    static let path = "manifest.json"
}
