public import Foundation
import Metrics
import Reports
public import Logging
public import ServiceLifecycle
import SignalProtocol
public import Store
public import WhatsApp

/// Runs the linked sessions for the daemon: starts them, records linking in the database, logs
/// what they report, and stops them on shutdown.
public struct WhatsAppService: Service {
    public let transport: WhatsAppTransport
    let database: SiaranDatabase
    let logger: Logger
    /// Keeps the latest QR code and pairing code of each session for the dashboard.
    let board: SessionBoard?
    /// On a cluster (PostgreSQL): the leases this worker takes and loses. A session connects only
    /// while its lease is held here; nil starts every session at once.
    let leaseChanges: AsyncStream<ClusterMembershipService.LeaseChange>?
    /// Opens a session this worker did not run at start (linked since on another worker) when
    /// its lease comes here.
    let open: (@Sendable (String) async throws -> WhatsAppSession)?

    public init(transport: WhatsAppTransport, database: SiaranDatabase, logger: Logger, board: SessionBoard? = nil,
                leaseChanges: AsyncStream<ClusterMembershipService.LeaseChange>? = nil,
                open: (@Sendable (String) async throws -> WhatsAppSession)? = nil) {
        self.transport = transport
        self.database = database
        self.logger = logger
        self.board = board
        self.leaseChanges = leaseChanges
        self.open = open
    }

    public func run() async throws {
        for (name, session) in transport.sessions.sorted(by: { $0.key < $1.key }) where !(await session.isLinked) {
            logger.warning("session \(name) is not linked yet: run `siaran login \(name)`; campaigns wait for a linked session")
        }
        let leases: Task<Void, Never>?
        if let leaseChanges {
            await transport.start(only: [])
            leases = Task { [transport, logger, open] in
                for await change in leaseChanges {
                    switch change {
                    case .acquired(let session, _):
                        logger.info("session \(session) connects: this worker holds its lease")
                        if transport.session(session) == nil, let open {
                            do {
                                await transport.add(try await open(session), start: false)
                            } catch {
                                logger.error("session \(session) could not be opened here: \(error)")
                                continue
                            }
                        }
                        await transport.startSession(session)
                    case .lost(let session):
                        logger.warning("session \(session) disconnects: its lease went to another worker")
                        await transport.stopSession(session)
                    }
                }
            }
        } else {
            leases = nil
            await transport.start()
        }
        defer { leases?.cancel() }
        let events = Task {
            for await (session, event) in transport.sessionEvents {
                await board?.record(session, event)
                switch event {
                case .linked(let phone, _):
                    try? await database.recordLinkedSession(session, phone: phone, at: Date())
                case .connected:
                    logger.info("session \(session) connected")
                case .disconnected(let reason, let delay):
                    if delay != nil { Counter(label: "siaran_reconnects_total", dimensions: [("session", session)]).increment() }
                    logger.warning("session \(session) disconnected: \(reason)\(delay.map { String(format: "; reconnecting in %.0f s", $0) } ?? "")")
                case .stopped(let reason):
                    logger.error("session \(session) stopped: \(reason)")
                    let state = await transport.session(session)?.state.rawValue ?? "stopped"
                    try? await database.recordSessionState(session, state: state, notice: reason, at: Date())
                case .notice(let text):
                    logger.warning("session \(session): \(text)")
                case .restricted(let restriction):
                    Counter(label: "siaran_session_restrictions_total", dimensions: [("session", session)]).increment()
                    let notice = transport.session(session)?.restrictedNotice(restriction).english
                        ?? "WhatsApp restricted session \(session) from starting new chats"
                    try? await database.recordSessionRestriction(session, until: restriction.until, source: restriction.source.rawValue,
                                                                 notice: notice, at: Date())
                case .restrictionLifted:
                    try? await database.recordSessionRestrictionLifted(session, at: Date())
                default:
                    break
                }
            }
        }
        await withGracefulShutdownHandler {
            await events.value
        } onGracefulShutdown: {
            Task { await transport.stop() }
        }
        events.cancel()
    }

    /// The sessions of a configuration: the configured ones, and every other linked number found
    /// in `storages` (linked from the dashboard or with `siaran login`). Without `storages`, the
    /// folders under `sessionsDirectory`.
    public static func transport(settings: WhatsAppSettings, sessionsDirectory: String, outbox: String? = nil, typing: Bool,
                                 timeZone: TimeZone? = nil, storages: SessionStorages? = nil, logger: Logger) async throws -> WhatsAppTransport {
        let storages = storages ?? SessionStorages(sessionsDirectory: sessionsDirectory, database: nil, logger: logger)
        var names = settings.sessions
        for found in try await storages.linkedNames() where !names.contains(found) {
            logger.notice("session \(found) is linked in \(storages.inDatabase ? "the database" : sessionsDirectory) but not listed in whatsapp.sessions; it sends too (stop it with `siaran sessions logout \(found)`)")
            names.append(found)
        }
        var sessions: [WhatsAppSession] = []
        for name in names {
            sessions.append(try await session(name, settings: settings, sessionsDirectory: sessionsDirectory, outbox: outbox, typing: typing,
                                              timeZone: timeZone, storages: storages, logger: logger))
        }
        return WhatsAppTransport(sessions: sessions)
    }

    /// One session, opened from its storage (`state/sessions/<name>/` without `storages`) with the
    /// configured server and version.
    public static func session(_ name: String, settings: WhatsAppSettings, sessionsDirectory: String, outbox: String? = nil, typing: Bool = false,
                               timeZone: TimeZone? = nil, storages: SessionStorages? = nil, logger: Logger) async throws -> WhatsAppSession {
        var configuration = SessionConfiguration()
        if let url = settings.serverURL.flatMap(URL.init(string:)), let hex = settings.serverRootKey {
            configuration.endpoint = WhatsAppEndpoint(url: url, rootKey: try PublicKey(raw: Data(hex: hex)), mediaScheme: settings.mediaScheme)
        }
        if let text = settings.version, let version = WhatsAppVersion(parsing: text) {
            configuration.version = version
        } else if settings.serverURL == nil {
            // WhatsApp refuses outdated clients (405): use today's WhatsApp Web revision when it can be fetched.
            if let storages, storages.inDatabase, let database = storages.database {
                configuration.version = await WhatsAppVersion.current(configured: nil, loadCache: { await DatabaseSessionStorage.versionCache(in: database) },
                                                                      saveCache: { await DatabaseSessionStorage.saveVersionCache($0, in: database) })
            } else {
                let cache = URL(fileURLWithPath: sessionsDirectory).deletingLastPathComponent().appendingPathComponent("whatsapp-version.json")
                configuration.version = await WhatsAppVersion.current(configured: nil, cache: cache)
            }
        }
        configuration.connectTimeout = .seconds(settings.connectTimeoutSeconds)
        configuration.proxy = settings.proxies[name]
        if let proxy = configuration.proxy { logger.info("session \(name) connects through the proxy \(proxy)") }
        configuration.typingIndicator = typing
        configuration.noticesFolder = outbox.map { URL(fileURLWithPath: $0).appendingPathComponent("sessions", isDirectory: true) }
        if let timeZone { configuration.noticeTime = { LocalTimeFormatter.iso8601($0, timeZone: timeZone) } }
        let storages = storages ?? SessionStorages(sessionsDirectory: sessionsDirectory, database: nil, logger: logger)
        return try await WhatsAppSession(storage: storages.storage(for: name), configuration: configuration, logger: logger)
    }
}

extension Data {
    /// Bytes from hex digits (validated by the configuration loader).
    init(hex: String) {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
            bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        self.init(bytes)
    }
}
