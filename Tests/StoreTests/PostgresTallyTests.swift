import Foundation
import GRDB
@testable import Store
import Testing

/// The v5 triggers on PostgreSQL must keep exactly the tallies SQLite's keep: the same statements
/// run on both, and the tally tables are compared row for row (zero rows included).
@Suite("PostgreSQL message tallies match SQLite's")
struct PostgresTallyTests {
    private static let states = ["pending", "sending", "sent", "delivered", "read", "failed", "retrying"]
    private static let campaigns = ["a", "b", "c"]

    /// One statement for both databases.
    private struct Step {
        var sql: String
        var arguments: [SQLValue]
        init(_ sql: String, _ arguments: SQLValue...) {
            self.sql = sql
            self.arguments = arguments
        }
    }

    /// A fixed pseudo-random walk over every kind of change the triggers see.
    private static func steps() -> [Step] {
        var seed: UInt64 = 0x5EED
        func next(_ bound: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(bound))
        }
        let base = Date(timeIntervalSince1970: 1_764_547_200)
        var steps: [Step] = []
        var contact: Int64 = 0
        func insertMessage(_ campaign: String) {
            contact += 1
            let phone = "62812\(String(format: "%08d", contact))"
            steps.append(Step("INSERT INTO contacts (id, campaignId, phone, line) VALUES (?, ?, ?, ?)", .integer(contact), .text(campaign), .text(phone), .integer(contact)))
            let replied: SQLValue = next(4) == 0 ? .date(base.addingTimeInterval(Double(contact))) : .null
            steps.append(Step("INSERT INTO messages (id, campaignId, contactId, phone, text, state, queuedAt, repliedAt) VALUES (?, ?, ?, ?, 'Halo', ?, ?, ?)",
                              .text("m\(contact)"), .text(campaign), .integer(contact), .text(phone), .text(states[next(states.count)]), .date(base), replied))
        }
        for campaign in campaigns {
            steps.append(Step("INSERT INTO campaigns (id, name, state, createdAt, spoolPath) VALUES (?, 'Promo', 'sending', ?, 'x')", .text(campaign), .date(base)))
            for _ in 0..<25 { insertMessage(campaign) }
        }
        for step in 0..<700 {
            let message = SQLValue.text("m\(1 + next(Int(contact)))")
            let at = SQLValue.date(base.addingTimeInterval(Double(step)))
            switch next(10) {
            case 0: steps.append(Step("UPDATE messages SET state = ? WHERE id = ?", .text(states[next(states.count)]), message))
            case 1: steps.append(Step("UPDATE messages SET repliedAt = ? WHERE id = ?", at, message))
            case 2: steps.append(Step("UPDATE messages SET repliedAt = NULL WHERE id = ?", message))
            case 3: steps.append(Step("UPDATE messages SET campaignId = ? WHERE id = ?", .text(campaigns[next(campaigns.count)]), message))
            case 4: steps.append(Step("UPDATE messages SET state = ?, repliedAt = COALESCE(repliedAt, ?) WHERE id = ?", .text(states[next(states.count)]), at, message))
            case 5: steps.append(Step("UPDATE messages SET phone = phone, state = state, text = 'Halo lagi' WHERE id = ?", message))
            case 6: steps.append(Step("DELETE FROM messages WHERE id = ?", message))
            case 7: insertMessage(campaigns[next(campaigns.count)])
            case 8: steps.append(Step("UPDATE messages SET state = ? WHERE campaignId = ? AND state = ?",
                                      .text(states[next(states.count)]), .text(campaigns[next(campaigns.count)]), .text(states[next(states.count)])))
            default: steps.append(Step("UPDATE messages SET repliedAt = ? WHERE campaignId = ? AND repliedAt IS NULL AND state = 'read'", at, .text(campaigns[next(campaigns.count)])))
            }
        }
        steps.append(Step("DELETE FROM contacts WHERE id IN (3, 4, 5)"))
        steps.append(Step("DELETE FROM campaigns WHERE id = 'c'"))
        return steps
    }

    private static let tallySQL = "SELECT campaignId, state, count, replied FROM messageTallies ORDER BY campaignId, state"
    private static let countedSQL = """
        SELECT campaignId, state, COUNT(*), SUM(CASE WHEN repliedAt IS NOT NULL THEN 1 ELSE 0 END) FROM messages
        GROUP BY campaignId, state ORDER BY campaignId, state
        """

    @Test("the same inserts, updates and deletes leave the same tallies on both, equal to counting")
    func sameTallies() async throws {
        let steps = Self.steps()
        let sqlite = try SiaranDatabase()
        let fromSQLite = try await (sqlite.backend as! SQLiteBackend).writer.write { db in
            for step in steps { try db.execute(sql: step.sql, arguments: StatementArguments(step.arguments.map(Self.databaseValue))) }
            let tallies = try Row.fetchAll(db, sql: Self.tallySQL).map { "\($0[0] as String) \($0[1] as String) \($0[2] as Int) \($0[3] as Int)" }
            let counted = try Row.fetchAll(db, sql: Self.countedSQL).map { "\($0[0] as String) \($0[1] as String) \($0[2] as Int) \($0[3] as Int)" }
            return (tallies, counted)
        }
        let fromPostgres = try await withPostgres { backend in
            // Step by step, each its own transaction, as the pipeline writes.
            for chunk in stride(from: 0, to: steps.count, by: 50) {
                let slice = Array(steps[chunk..<min(chunk + 50, steps.count)]).map { ($0.sql, $0.arguments) }
                try await backend.write { db in for (sql, arguments) in slice { try db.execute(sql, arguments) } }
            }
            return try await backend.read { db in
                let line = { (row: SQLRow) in "\(try row.string(at: 0)) \(try row.string(at: 1)) \(try row.int(at: 2)) \(try row.int(at: 3))" }
                return (try db.query(Self.tallySQL, []).map(line), try db.query(Self.countedSQL, []).map(line))
            }
        }
        #expect(fromPostgres.0 == fromSQLite.0)
        #expect(fromPostgres.1 == fromSQLite.1)
        // The tallies (their non-zero rows) are the counts.
        #expect(fromPostgres.0.filter { $0.split(separator: " ")[2] != "0" } == fromPostgres.1)
        #expect(fromSQLite.0.count > 10, "the walk should touch many (campaign, state) pairs")
    }

    private static func databaseValue(_ value: SQLValue) -> any DatabaseValueConvertible {
        switch value {
        case .null: DatabaseValue.null
        case .integer(let value): value
        case .real(let value): value
        case .text(let value): value
        case .bool(let value): value
        case .date(let value): value
        case .blob(let value): value
        }
    }
}
