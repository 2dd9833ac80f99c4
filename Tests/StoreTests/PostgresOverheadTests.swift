import Foundation
import PostgresNIO
import SiaranTestSupport
import Store
import Testing

/// What the synchronous bridge costs: the same statements through `PostgresBackend` (a worker
/// thread waiting on each statement's future) and through postgres-nio's own async API on one
/// connection. Prints both figures; the best of three rounds each, rounds interleaved, so a busy
/// machine slows both alike.
@Suite("PostgreSQL bridge overhead")
struct PostgresOverheadTests {
    private static let statements = 1_000

    @Test("statements through the bridge answer like postgres-nio's async API, and the cost of each is printed")
    func perStatement() async throws {
        let server = try await PostgresServer.shared()
        let url = try await server.makeDatabase()
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: .disable),
            id: 1, logger: quietLogger)
        defer { Task { try? await connection.close() } }
        try await withBackend(url) { backend in
            var bridge = Duration.seconds(1_000), direct = Duration.seconds(1_000)
            for _ in 0..<3 {
                var start = ContinuousClock.now
                let viaBridge = try await backend.read { db in try (0..<Self.statements).map { try db.scalarInt("SELECT ?::bigint", $0) } }
                bridge = min(bridge, ContinuousClock.now - start)

                start = ContinuousClock.now
                var viaAsync: [Int] = []
                for value in 0..<Self.statements {
                    var bindings = PostgresBindings()
                    bindings.append(Int64(value))
                    for try await row in try await connection.query(PostgresQuery(unsafeSQL: "SELECT $1::bigint", binds: bindings), logger: quietLogger) {
                        viaAsync.append(Int(try row.decode(Int64.self)))
                    }
                }
                direct = min(direct, ContinuousClock.now - start)
                #expect(viaBridge == Array(0..<Self.statements))
                #expect(viaAsync == viaBridge)
            }
            print("PostgresBackend per statement: bridge \(bridge / Self.statements), postgres-nio async \(direct / Self.statements)")
        }
    }
}
