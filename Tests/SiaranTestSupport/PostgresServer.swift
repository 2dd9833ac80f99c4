public import Foundation
public import Store

/// A throw-away PostgreSQL cluster for the test process: its own folder, a free port on
/// 127.0.0.1 with password (scram) logins, its Unix socket in the folder.
///
/// `PostgresServer.shared()` is the one most tests use, started by the first test that asks;
/// `makeDatabase()` gives each test a fresh database on it. Tests that stop the server or change
/// its settings start one of their own with `PostgresServer.start()` (the shared one must not go
/// away under tests running beside them). Every cluster has a watchdog: a small shell process
/// holding the read end of a pipe whose write end only this process has. When this process ends
/// in any way (even SIGKILL) the pipe closes and the watchdog stops the server (immediate mode)
/// and removes the folder; `stop()` closes the pipe on purpose.
///
/// PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` system user
/// that Debian's package creates, and every server command runs through `runuser`.
public final class PostgresServer: Sendable {
    /// The superuser, created by initdb with `password`.
    public let username = "siaran"
    /// Random for each cluster; tests pass it only inside `DatabaseURL`.
    public let password: String
    /// The TCP port on 127.0.0.1, and the number in the Unix socket's name.
    public let port: Int
    /// Whether the server listens on TCP as well as on its Unix socket.
    public let tcp: Bool
    /// The cluster's folder (data, socket, log); the socket is `<folder>/.s.PGSQL.<port>`.
    public let folder: URL
    private let binaries: URL
    private let owner: String?
    private let watchdog: Watchdog

    private var dataDirectory: URL { folder.appendingPathComponent("data") }
    private var logFile: URL { folder.appendingPathComponent("server.log") }

    /// The cluster every test shares, started on first use.
    public static func shared() async throws -> PostgresServer {
        try await sharedServer.value
    }

    private static let sharedServer = Task<PostgresServer, any Error> { try await start() }

    /// Creates and starts a cluster of this test's own.
    ///
    /// - Parameter tcp: false for a server on its Unix socket only. A test that stops and restarts
    ///   its server uses that: while it is down, another test process could take its TCP port
    ///   (free ports are found by asking the kernel), and the restart would then fail or, worse,
    ///   the backend would reach someone else's server.
    public static func start(tcp: Bool = true) async throws -> PostgresServer {
        let binaries = try findBinaries()
        let owner: String? = getuid() == 0 ? "postgres" : nil
        let folder = URL(fileURLWithPath: "/tmp").appendingPathComponent("siaran-pg-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        let password = randomPassword()
        let server = try PostgresServer(folder: folder, binaries: binaries, owner: owner, password: password, port: try freePort(), tcp: tcp)
        do {
            if let owner { try giveFolder(folder, to: owner) }
            try await server.initialize()
            try await server.startServer()
        } catch {
            server.stop()
            throw error
        }
        return server
    }

    private init(folder: URL, binaries: URL, owner: String?, password: String, port: Int, tcp: Bool) throws {
        self.tcp = tcp
        self.folder = folder
        self.binaries = binaries
        self.owner = owner
        self.password = password
        self.port = port
        var stop = "\(Self.quoted(binaries.appendingPathComponent("pg_ctl").path)) stop -m immediate -D \(Self.quoted(folder.appendingPathComponent("data").path))"
        if let owner { stop = "runuser -u \(owner) -- " + stop }
        watchdog = try Watchdog(cleanup: "\(stop) >/dev/null 2>&1; rm -rf \(Self.quoted(folder.path))")
    }

    /// A URL for `database` on this server: TCP with the password by default, or the Unix socket
    /// (always, for a server without TCP).
    public func url(database: String = "postgres", sslMode: DatabaseURL.SSLMode = .disable, password: String? = nil,
                    socket: Bool = false) -> DatabaseURL {
        DatabaseURL(host: "127.0.0.1", port: port, username: username, password: password ?? self.password, database: database,
                    sslMode: sslMode, socketDirectory: socket || !tcp ? folder.path : nil)
    }

    /// A new, empty database for one test.
    public func makeDatabase() async throws -> DatabaseURL {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try await psql("CREATE DATABASE \(name)")
        return url(database: name)
    }

    /// Runs SQL through psql on the Unix socket (trusted there), as the superuser; returns what it printed.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") async throws -> String {
        let result = try await runProgram(binaries.appendingPathComponent("psql"), [
            "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", folder.path, "-p", String(port), "-U", username, "-d", database, "-c", sql,
        ])
        guard result.status == 0 else { throw ServerError(message: "psql \(sql): \(result.errorText)") }
        return result.outputText.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Kills the server the way a crash or `kill -9` of the operator would (immediate mode:
    /// connections drop, nothing is flushed beyond what was committed). Data stays for `restart()`.
    public func stopImmediately() async throws {
        try await serverCommand(["stop", "-m", "immediate", "-w", "-D", dataDirectory.path])
    }

    /// Starts the server again on the same port and data (after `stopImmediately()`).
    public func restart() async throws {
        try await startServer()
    }

    /// Turns TLS on with the given certificate and key (PEM files), by a configuration reload.
    public func enableTLS(certificate: URL, key: URL) async throws {
        let certificateCopy = dataDirectory.appendingPathComponent("server.crt"), keyCopy = dataDirectory.appendingPathComponent("server.key")
        for (source, target) in [(certificate, certificateCopy), (key, keyCopy)] {
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.copyItem(at: source, to: target)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: target.path)
            if let owner { try Self.giveFolder(target, to: owner) }
        }
        try await psql("ALTER SYSTEM SET ssl = on")
        try await psql("SELECT pg_reload_conf()")
        // The reload is asynchronous: wait until new sessions see it.
        let deadline = ContinuousClock.now + .seconds(30)
        while try await psql("SHOW ssl") != "on" {
            guard ContinuousClock.now < deadline else { throw ServerError(message: "ssl stayed off after the reload: \(serverLog())") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Stops the server and removes its folder (the watchdog does it, now instead of at exit).
    public func stop() {
        watchdog.release()
    }

    /// The server's log, for failure messages.
    public func serverLog() -> String {
        (try? String(contentsOf: logFile, encoding: .utf8)).map { String($0.suffix(4_000)) } ?? "(no log)"
    }

    // MARK: Setting up

    private func initialize() async throws {
        let passwordFile = folder.appendingPathComponent("password")
        try Data(password.utf8).write(to: passwordFile)
        if let owner { try Self.giveFolder(passwordFile, to: owner) }
        defer { try? FileManager.default.removeItem(at: passwordFile) }
        try await serverProgram("initdb", [
            "-D", dataDirectory.path, "-U", username, "--pwfile", passwordFile.path, "-E", "UTF8", "--locale", "C.UTF-8",
            "--auth-local", "trust", "--auth-host", "scram-sha-256", "--no-sync", "--no-instructions",
        ])
        // Fast tests that still mean what they say: fsync off (a commit reaches the operating
        // system, so it survives a killed server, not a power cut); synchronous_commit stays on,
        // so a commit the client saw is never lost when the test kills the server.
        let settings = """

            listen_addresses = '\(tcp ? "127.0.0.1" : "")'
            port = \(port)
            unix_socket_directories = '\(folder.path)'
            fsync = off
            full_page_writes = off
            synchronous_commit = on
            max_connections = 300
            shared_buffers = 64MB
            log_min_messages = warning
            log_min_error_statement = panic
            password_encryption = 'scram-sha-256'
            """
        let configuration = dataDirectory.appendingPathComponent("postgresql.conf")
        let handle = try FileHandle(forWritingTo: configuration)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(settings.utf8))
        try handle.close()
    }

    private func startServer() async throws {
        do {
            try await serverCommand(["start", "-w", "-t", "120", "-D", dataDirectory.path, "-l", logFile.path])
        } catch {
            throw ServerError(message: "\(error)\nserver log:\n\(serverLog())")
        }
    }

    private func serverCommand(_ arguments: [String]) async throws {
        try await serverProgram("pg_ctl", arguments)
    }

    /// Runs one of PostgreSQL's programs, as the cluster's owner.
    private func serverProgram(_ name: String, _ arguments: [String]) async throws {
        let program = binaries.appendingPathComponent(name)
        // pg_ctl start leaves the server running; its output goes to the log file, so runProgram
        // does not wait for it.
        let result: ProgramOutput
        if let owner {
            result = try await runProgram(URL(fileURLWithPath: "/usr/sbin/runuser"), ["-u", owner, "--", program.path] + arguments, directory: folder)
        } else {
            result = try await runProgram(program, arguments, directory: folder)
        }
        guard result.status == 0 else {
            throw ServerError(message: "\(name) \(arguments.joined(separator: " ")) exited with \(result.status): \(result.errorText)\(result.outputText)")
        }
    }

    /// The newest PostgreSQL under /usr/lib/postgresql/*/bin (Debian's layout).
    private static func findBinaries() throws -> URL {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [])
            .compactMap { Int($0) }.sorted(by: >)
        for version in versions {
            let bin = root.appendingPathComponent("\(version)/bin")
            if FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("pg_ctl").path) { return bin }
        }
        throw ServerError(message: "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl): run scripts/bootstrap, which `make test` runs first")
    }

    private static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ServerError(message: "socket: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw ServerError(message: "no free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func giveFolder(_ url: URL, to user: String) throws {
        guard let entry = getpwnam(user) else {
            throw ServerError(message: "no \(user) user: Debian's postgresql package creates it (scripts/bootstrap)")
        }
        guard chown(url.path, entry.pointee.pw_uid, entry.pointee.pw_gid) == 0 else {
            throw ServerError(message: "chown \(url.path): \(String(cString: strerror(errno)))")
        }
    }

    private static func randomPassword() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<24).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
    }

    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    public struct ServerError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
        public init(message: String) { self.message = message }
    }
}
