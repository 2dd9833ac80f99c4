import Foundation
import SiaranTestSupport
import Store
import Synchronization
import Testing

@Suite("PostgreSQL connections: failures in plain words, restarts, TLS")
struct PostgresConnectionTests {
    @Test("nothing listening: .unreachable, connection refused at host:port")
    func refusedPort() async throws {
        let server = try await PostgresServer.shared()
        var url = server.url()
        url.port = try closedPort()
        let logs = LogRecorder()
        let error = await storeError { try await withBackend(url, impatient, logger: logs.logger) { _ in } }
        #expect(error?.code == .unreachable)
        #expect(error?.detail.contains("connection refused at 127.0.0.1:\(url.port)") == true, "\(String(describing: error))")
        #expect(error?.detail.contains(server.password) == false)
        #expect(!logs.text.contains(server.password))
    }

    @Test("a wrong password: .refused, in the server's words, showing neither password (nor in the logs)")
    func wrongPassword() async throws {
        let server = try await PostgresServer.shared()
        let url = server.url(password: "Wrong-\(UUID().uuidString)")
        let logs = LogRecorder()
        let error = await storeError { try await withBackend(url, impatient, logger: logs.logger) { _ in } }
        #expect(error?.code == .refused)
        #expect(error?.detail.contains("password authentication failed for user \"siaran\"") == true, "\(String(describing: error))")
        for secret in [url.password!, server.password] {
            #expect(error?.detail.contains(secret) == false)
            #expect(!logs.text.contains(secret))
        }
        #expect(!logs.text.isEmpty, "the recorder should have seen postgres-nio's log lines")
    }

    @Test("no password where the server asks for one: .refused, saying so")
    func noPassword() async throws {
        var url = try await PostgresServer.shared().url()
        url.password = nil
        let error = await storeError { try await withBackend(url, impatient) { _ in } }
        #expect(error?.code == .refused)
        #expect(error?.detail.contains("password") == true, "\(String(describing: error))")
    }

    @Test("a missing database: .refused, database \"…\" does not exist")
    func missingDatabase() async throws {
        let server = try await PostgresServer.shared()
        let error = await storeError { try await withBackend(server.url(database: "siaran_nope"), impatient) { _ in } }
        #expect(error?.code == .refused)
        #expect(error?.detail.contains("database \"siaran_nope\" does not exist") == true, "\(String(describing: error))")
        #expect(error?.detail.contains(server.password) == false)
    }

    @Test("an unknown host: .unreachable, in words")
    func unknownHost() async throws {
        var url = try await PostgresServer.shared().url()
        url.host = "siaran-db.invalid"
        let error = await storeError { try await withBackend(url, impatient) { _ in } }
        #expect(error?.code == .unreachable)
        #expect(error?.detail.contains("not found") == true || error?.detail.contains("timed out") == true, "\(String(describing: error))")
    }

    @Test("the Unix socket in ?host= is used instead of TCP")
    func unixSocket() async throws {
        let server = try await PostgresServer.shared()
        let url = try await server.makeDatabase()
        let socketURL = server.url(database: url.database, socket: true)
        let address = try await withBackend(socketURL) { backend in
            try await backend.read { db in try db.scalar("SELECT inet_server_addr()") }
        }
        #expect(address == .null, "a Unix-socket session has no server address")
        let tcpAddress = try await withBackend(url) { backend in try await backend.read { db in try db.scalar("SELECT host(inet_server_addr())") } }
        #expect(tcpAddress == .text("127.0.0.1"))
    }

    @Test("sslmode=require against a server without TLS is refused; prefer falls back to plain")
    func requireWithoutTLS() async throws {
        let server = try await PostgresServer.shared()
        let url = try await server.makeDatabase()
        let error = await storeError { try await withBackend(server.url(database: url.database, sslMode: .require), impatient) { _ in } }
        #expect(error?.code == .refused)
        #expect(error?.detail.contains("does not offer TLS") == true, "\(String(describing: error))")
        let encrypted = try await withBackend(server.url(database: url.database, sslMode: .prefer)) { backend in
            try await backend.read { db in try db.scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") }
        }
        #expect(encrypted == .bool(false))
    }
}

/// Tests that stop the server or change its settings, each on a cluster of its own.
@Suite("PostgreSQL server stopped and started, TLS", .serialized)
struct PostgresServerLifecycleTests {
    @Test("killed mid-transaction: that write fails as lost, nothing of it is kept, writes while down fail in bounded time, later writes succeed",
          .timeLimit(.minutes(3)))
    func killAndRestart() async throws {
        // On its Unix socket only, so no other test process can take its port while it is down.
        let server = try await PostgresServer.start(tcp: false)
        defer { server.stop() }
        let url = try await server.makeDatabase()
        #expect(url.socketDirectory == server.folder.path)
        try await withBackend(url, impatient) { backend in
            _ = try await backend.write { db in try db.execute("CREATE TABLE marks (name text PRIMARY KEY)", []) }
            _ = try await backend.write { db in try db.execute("INSERT INTO marks VALUES ('before')", []) }

            // A write that inserts a row and then waits on the server, killed while it waits.
            let inFlight = Task {
                await storeError {
                    try await backend.write { db in
                        try db.execute("INSERT INTO marks VALUES ('in-flight')", [])
                        try db.execute("SELECT pg_sleep(60)", [])
                    }
                }
            }
            let sleeping = await eventually(timeout: .seconds(60)) {
                (try? await server.psql("SELECT COUNT(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'")) == "1"
            }
            #expect(sleeping)
            try await server.stopImmediately()
            let lost = await inFlight.value
            #expect(lost?.code == .connectionLost || lost?.code == .unreachable, "\(String(describing: lost))")
            #expect(lost?.detail.contains(server.password) == false)

            // While the server is down a write fails after the lease timeout, saying why.
            let start = ContinuousClock.now
            let down = await storeError { _ = try await backend.write { db in try db.execute("INSERT INTO marks VALUES ('while-down')", []) } }
            #expect(down?.code == .unreachable)
            #expect(down?.detail.contains("connection refused") == true || down?.detail.contains("no server socket") == true,
                    "\(String(describing: down))")
            #expect(ContinuousClock.now - start < .seconds(30))

            try await server.restart()
            // The first write after the restart succeeds: dead pooled connections are replaced.
            _ = try await backend.write { db in try db.execute("INSERT INTO marks VALUES ('after')", []) }
            let marks = try await backend.read { db in try db.query("SELECT name FROM marks ORDER BY name").map { try $0.string("name") } }
            #expect(marks == ["after", "before"])

            // Idle connections killed under the pool: the next write still goes through.
            try await server.stopImmediately()
            try await server.restart()
            _ = try await backend.write { db in try db.execute("INSERT INTO marks VALUES ('again')", []) }
            #expect(try await backend.read { db in try db.scalarInt("SELECT COUNT(*) FROM marks") } == 3)
        }
    }

    @Test("sslmode=require encrypts against a self-signed certificate; verify-full refuses it in plain words",
          .timeLimit(.minutes(3)))
    func tls() async throws {
        let server = try await PostgresServer.start()
        defer { server.stop() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-tls-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let certificate = folder.appendingPathComponent("server.crt"), key = folder.appendingPathComponent("server.key")
        let made = try await runProgram(URL(fileURLWithPath: "/usr/bin/openssl"), [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key.path, "-out", certificate.path,
        ])
        #expect(made.status == 0, "\(made.errorText)")
        try await server.enableTLS(certificate: certificate, key: key)
        let url = try await server.makeDatabase()

        for (mode, expected) in [(DatabaseURL.SSLMode.require, true), (.prefer, true), (.disable, false)] {
            let encrypted = try await withBackend(server.url(database: url.database, sslMode: mode)) { backend in
                try await backend.read { db in try db.scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()") }
            }
            #expect(encrypted == .bool(expected), "sslmode=\(mode.rawValue)")
        }

        var verified = server.url(database: url.database, sslMode: .verifyFull)
        verified.host = "localhost"
        let error = await storeError { try await withBackend(verified, impatient) { _ in } }
        #expect(error?.code == .refused)
        #expect(error?.detail.contains("certificate") == true, "\(String(describing: error))")
        #expect(error?.detail.contains(server.password) == false)
    }
}

/// A port on 127.0.0.1 that nothing listens on (bound, read, released).
func closedPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
    }
    guard bound else { throw PostgresServer.ServerError(message: "no port: \(String(cString: strerror(errno)))") }
    return Int(UInt16(bigEndian: address.sin_port))
}
