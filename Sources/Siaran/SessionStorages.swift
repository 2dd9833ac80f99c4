public import Foundation
public import Logging
public import Store
public import WhatsApp

/// Where this installation keeps its WhatsApp sessions' state, and the one place that knows:
/// folders under `state/sessions/` on SQLite (one machine), the database on PostgreSQL (every
/// worker of a cluster sees every number's keys). On SQLite a session that is in the database and
/// has no folder (a PostgreSQL installation restored from a backup, which always gives SQLite) is
/// used from the database, so restoring never unlinks a number.
///
/// On PostgreSQL a session folder that is linked and has no state in the database yet is copied
/// in once when the session is first opened, then renamed `<name>.imported-<date>` so it is never
/// used again (the keys must live in one place only: two copies would send with diverging ratchets).
public struct SessionStorages: Sendable {
    public let sessionsDirectory: String
    /// The installation's database; nil when sessions can only be folders (tests, tools).
    public let database: SiaranDatabase?
    /// Whether sessions live in the database (PostgreSQL): new ones are made there and folders imported.
    public let inDatabase: Bool
    /// The lease this worker holds on a session now (a cluster); nil outside a cluster.
    let fence: (@Sendable (String) -> LeaseFence?)?
    /// When that lease ends by this worker's clock (a cluster); nil outside a cluster.
    let leaseDeadline: (@Sendable (String) -> Date?)?
    let logger: Logger

    public init(sessionsDirectory: String, database: SiaranDatabase?, inDatabase: Bool = true, fence: (@Sendable (String) -> LeaseFence?)? = nil,
                leaseDeadline: (@Sendable (String) -> Date?)? = nil, logger: Logger = Logger(label: "siaran.whatsapp")) {
        self.sessionsDirectory = sessionsDirectory
        self.database = database
        self.inDatabase = inDatabase && database != nil
        self.fence = fence
        self.leaseDeadline = leaseDeadline
        self.logger = logger
    }

    /// Folders on SQLite, the database on PostgreSQL.
    public static func forInstallation(sessionsDirectory: String, database: SiaranDatabase, fence: (@Sendable (String) -> LeaseFence?)? = nil,
                                       leaseDeadline: (@Sendable (String) -> Date?)? = nil,
                                       logger: Logger = Logger(label: "siaran.whatsapp")) -> SessionStorages {
        SessionStorages(sessionsDirectory: sessionsDirectory, database: database, inDatabase: database.dialect == .postgres, fence: fence,
                        leaseDeadline: leaseDeadline, logger: logger)
    }

    var root: URL { URL(fileURLWithPath: sessionsDirectory, isDirectory: true) }

    /// Where session `name`'s keys are, for messages to staff.
    public func describe(_ name: String) -> String {
        inDatabase ? "the database (session \(name))" : root.appendingPathComponent(name).path + "/"
    }

    /// Opens session `name`'s storage, importing its folder first on PostgreSQL when needed.
    public func storage(for name: String) async throws -> any SessionStorage {
        guard let database else { return try SessionFolder(root: root, name: name) }
        if inDatabase {
            try await importFolderIfNeeded(name, into: database)
        } else if try await !readsDatabase(name) {
            return try SessionFolder(root: root, name: name)
        }
        var current: (@Sendable () -> LeaseFence?)?
        if let fence { current = { fence(name) } }
        var deadline: (@Sendable () -> Date?)?
        if let leaseDeadline { deadline = { leaseDeadline(name) } }
        return try await DatabaseSessionStorage.open(name: name, database: database, fence: current, leaseDeadline: deadline)
    }

    /// Names of the linked sessions found in the storage (not counting configured ones never linked), sorted.
    public func linkedNames() async throws -> [String] {
        let folders = ((try? FileManager.default.contentsOfDirectory(atPath: sessionsDirectory)) ?? [])
            .filter { SessionName.isValid($0) && SessionFolder.isLinked(root: root, name: $0) }
        guard let database else { return folders.sorted() }
        // A linked folder not imported yet is imported when it is opened (on PostgreSQL).
        return Set(try await DatabaseSessionStorage.linkedSessions(in: database)).union(folders).sorted()
    }

    /// The credentials of session `name`, without opening its keys; nil when it has none.
    public func credentials(_ name: String) async throws -> SessionCredentials? {
        if let database, try await readsDatabase(name) { return try await DatabaseSessionStorage.credentials(name, in: database) }
        let url = root.appendingPathComponent(name).appendingPathComponent("creds.json")
        return (try? Data(contentsOf: url)).flatMap { try? JSONDecoder().decode(SessionCredentials.self, from: $0) }
    }

    /// The restriction from starting new chats stored for session `name`, if it holds at `now`.
    public func restriction(_ name: String, now: Date = Date()) async throws -> ReachOutRestriction? {
        if let database, try await readsDatabase(name) {
            return try await DatabaseSessionStorage.reachOut(name, in: database).flatMap { ReachOutRestriction.stored(in: $0, now: now) }
        }
        return ReachOutRestriction.stored(inSessionFolder: root.appendingPathComponent(name), now: now)
    }

    /// Whether session `name`'s state is read from the database: it is there, and (on SQLite) no
    /// linked folder takes precedence. A PostgreSQL folder not imported yet is read where it is.
    private func readsDatabase(_ name: String) async throws -> Bool {
        guard let database, try await DatabaseSessionStorage.hasCredentials(name, in: database) else { return false }
        return inDatabase || !SessionFolder.isLinked(root: root, name: name)
    }

    /// Deletes every piece of session `name`'s state (its folder, and its rows on PostgreSQL);
    /// returns whether there was any.
    @discardableResult
    public func remove(_ name: String) async throws -> Bool {
        let folder = root.appendingPathComponent(name, isDirectory: true)
        var found = FileManager.default.fileExists(atPath: folder.path)
        SessionFolder.remove(root: root, name: name)
        if let database {
            found = try await DatabaseSessionStorage.exists(name, in: database) || found
            try await database.removeSessionState(session: name)
        }
        return found
    }

    /// Imports a Baileys auth folder as session `name`, into the folder or the database.
    public func importBaileys(_ source: URL, as name: String) async throws -> BaileysImporter.Summary {
        guard let database, inDatabase else { return try await BaileysImporter.importFolder(source, as: name, into: root) }
        guard try await !DatabaseSessionStorage.hasCredentials(name, in: database),
              !SessionFolder.isLinked(root: root, name: name) else {
            throw WhatsAppError(.storage("session \(name) already exists; remove it first (`siaran sessions remove \(name)`)"))
        }
        return try await BaileysImporter.importFolder(source, as: name) { identity in
            try await DatabaseSessionStorage.open(name: name, database: database, identity: identity)
        }
    }

    private func importFolderIfNeeded(_ name: String, into database: SiaranDatabase) async throws {
        let url = root.appendingPathComponent(name, isDirectory: true)
        guard SessionFolder.isLinked(root: root, name: name) else { return }
        if try await DatabaseSessionStorage.hasCredentials(name, in: database) {
            logger.warning("session \(name) is in the database and also in \(url.path); the folder is not used (remove it once you no longer need it)")
            return
        }
        let folder = try SessionFolder(root: root, name: name)
        let summary = try await SessionStorageCopy.copy(folder) { identity in
            try await DatabaseSessionStorage.open(name: name, database: database, identity: identity)
        }
        let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate, .withTime])
        let renamed = root.appendingPathComponent("\(name).imported-\(stamp)", isDirectory: true)
        do { try FileManager.default.moveItem(at: url, to: renamed) } catch {
            logger.warning("session \(name) was imported into the database but \(url.path) could not be renamed (\(error)); remove it by hand")
        }
        logger.notice("session \(name) imported from \(url.path) into the database (\(summary.signalSessions) Signal sessions, \(summary.preKeys) prekeys, \(summary.contactRecords) contact records, \(summary.sentMessages) sent messages); the folder is now \(renamed.lastPathComponent)")
    }
}
