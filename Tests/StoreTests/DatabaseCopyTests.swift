import Foundation
@testable import Store
import SiaranTestSupport
import Testing

/// `siaran database copy`: a whole installation's history moves to a new database.
@Suite("Copying a database")
struct DatabaseCopyTests {
    @Test("the copy knows every table the schema has (a new migration's table cannot be forgotten)")
    func everyTable() async throws {
        let database = try SiaranDatabase()
        let expected = Set(DatabaseCopy.tables.map(\.name)).union(DatabaseCopy.derivedTables).union(DatabaseCopy.runtimeTables)
        #expect(Set(try await database.tableNames()) == expected)
    }

    @Test("every row arrives with its id, the tallies agree, and a target with data is refused",
          arguments: TestDatabaseKind.allCases)
    func copy(kind: TestDatabaseKind) async throws {
        let source = try await TestDatabase.make(.sqlite)
        defer { source.remove() }
        try await StoreFixture.fill(source.database)
        let target = try await TestDatabase.make(kind)
        defer { target.remove() }

        let report = try await DatabaseCopy(from: source.database, to: target.database, pageSize: 7).run()
        let byTable = Dictionary(uniqueKeysWithValues: report.rows.map { ($0.table, $0.target) })
        #expect(byTable["messages"] == 30 && byTable["contacts"] == 30 && byTable["campaigns"] == 2, "\(report.rows)")
        #expect(report.rows.allSatisfy { $0.source == $0.target })
        #expect(try await target.database.messageCounts(of: ["done-1", "live-1"]) == (try await source.database.messageCounts(of: ["done-1", "live-1"])))

        // The same ids, states and times, read back through the Store's own methods.
        let copied = try #require(try await target.database.campaign("done-1"))
        #expect(copied == (try await source.database.campaign("done-1")))
        #expect(try await target.database.messages(toPhone: StoreFixture.phone(3)) == (try await source.database.messages(toPhone: StoreFixture.phone(3))))
        #expect(try await target.database.replies(fromPhone: StoreFixture.phone(2)).map(\.isOptOut) == [true])
        #expect(try await target.database.optedOutPhones() == [StoreFixture.phone(2)])
        #expect(try await target.database.webhookCursor("https://crm.example/hook") == (try await source.database.webhookCursor("https://crm.example/hook")))
        #expect(try await target.database.users().map(\.username) == ["admin"])
        #expect(try await target.database.completedStages(of: "live-1") == (try await source.database.completedStages(of: "live-1")))

        // New rows continue after the copied ids (PostgreSQL's identity sequences were moved on).
        _ = try await target.database.addUser(username: "second", passwordHash: "$2b$04$x", role: "viewer", at: Date())
        #expect(Set(try await target.database.users().map(\.id)).count == 2)
        try await target.database.recordAudit(actor: "admin", action: "after.copy", target: nil, detail: nil)
        #expect(try await target.database.auditEntries(limit: 1).first?.action == "after.copy")

        await #expect {
            try await DatabaseCopy(from: source.database, to: target.database).run()
        } throws: { error in
            (error as? StoreError)?.code == .targetNotEmpty
        }
    }
}
