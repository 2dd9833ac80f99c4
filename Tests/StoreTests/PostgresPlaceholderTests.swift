import Foundation
@testable import Store
import Testing

@Suite("PostgreSQL placeholders and statements")
struct PostgresPlaceholderTests {
    @Test("? becomes $1, $2, … in order", arguments: [
        ("SELECT * FROM messages WHERE campaignId = ? AND state = ?", "SELECT * FROM messages WHERE campaignId = $1 AND state = $2", 2),
        ("INSERT INTO t (a, b, c) VALUES (?, ?, ?)", "INSERT INTO t (a, b, c) VALUES ($1, $2, $3)", 3),
        ("SELECT 1", "SELECT 1", 0),
        ("UPDATE t SET a=?,b=? WHERE id IN (?,?)", "UPDATE t SET a=$1,b=$2 WHERE id IN ($3,$4)", 4),
    ])
    func numbered(sql: String, expected: String, count: Int) {
        #expect(PostgresSQLText.rewrite(sql) == .init(sql: expected, placeholderCount: count, statementCount: 1))
    }

    @Test("? inside literals, quoted identifiers, comments and dollar quotes stays", arguments: [
        ("SELECT '?', ?", "SELECT '?', $1"),
        ("SELECT 'it''s ?' || ?", "SELECT 'it''s ?' || $1"),
        ("SELECT E'\\'?' , ?", "SELECT E'\\'?' , $1"),
        ("SELECT \"odd?name\", \"say \"\"?\"\"\" FROM t WHERE x = ?", "SELECT \"odd?name\", \"say \"\"?\"\"\" FROM t WHERE x = $1"),
        ("SELECT ? -- why?\n, ?", "SELECT $1 -- why?\n, $2"),
        ("SELECT /* a ? /* nested ? */ still ? */ ?", "SELECT /* a ? /* nested ? */ still ? */ $1"),
        ("SELECT $$ ? $$, $tag$ ? $$ ? $tag$, ?", "SELECT $$ ? $$, $tag$ ? $$ ? $tag$, $1"),
        ("SELECT a$b, ?", "SELECT a$b, $1"),
        ("SELECT 'unterminated ?", "SELECT 'unterminated ?"),
    ])
    func leftAlone(sql: String, expected: String) {
        #expect(PostgresSQLText.rewrite(sql).sql == expected)
    }

    @Test("the same text gives the same rewrite again (from the cache)")
    func cached() {
        let sql = "SELECT ? AS a, '?' AS b, ? AS c -- \(UUID())"
        let first = PostgresSQLText.rewrite(sql)
        #expect(PostgresSQLText.rewrite(sql) == first)
        #expect(first.placeholderCount == 2)
    }

    @Test("a script splits at semicolons outside literals and function bodies")
    func statements() {
        let script = """
            CREATE TABLE a (x text DEFAULT 'a;b');
            -- a comment; with a semicolon
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              RETURN NULL;
            END
            $$;
            /* only a comment; */
            INSERT INTO a VALUES (';')
            """
        let statements = PostgresSQLText.statements(script)
        #expect(statements.count == 3, "\(statements)")
        #expect(statements.first == "CREATE TABLE a (x text DEFAULT 'a;b')")
        #expect(statements[1].hasSuffix("END\n$$"))
        // A comment before a statement stays with it (the server skips it).
        #expect(statements.last == "/* only a comment; */\nINSERT INTO a VALUES (';')")
        #expect(PostgresSQLText.rewrite(script).statementCount == 3)
        #expect(PostgresSQLText.rewrite("SELECT 1;").statementCount == 1)
    }

    @Test("every migration splits into statements that each parse on their own", arguments: PostgresMigrations.all.map(\.identifier))
    func migrationStatements(identifier: String) {
        let sql = PostgresMigrations.all.first { $0.identifier == identifier }!.sql
        let statements = PostgresSQLText.statements(sql)
        #expect(!statements.isEmpty)
        for statement in statements {
            #expect(!statement.hasSuffix(";"))
            #expect(PostgresSQLText.rewrite(statement).placeholderCount == 0)
        }
    }
}
