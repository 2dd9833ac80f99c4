import Foundation
import Store
import Testing

@Suite("Database URLs: parsing and redaction")
struct DatabaseURLTests {
    @Test("every part of a full URL is read")
    func full() throws {
        let url = try DatabaseURL(parsing: "postgres://siaran:s3cret@db.example.com:6543/siaran_prod?sslmode=verify-full")
        #expect(url.host == "db.example.com")
        #expect(url.port == 6543)
        #expect(url.username == "siaran")
        #expect(url.password == "s3cret")
        #expect(url.database == "siaran_prod")
        #expect(url.sslMode == .verifyFull)
        #expect(url.socketDirectory == nil)
    }

    @Test("postgresql:// works too; port, password and sslmode have defaults")
    func defaults() throws {
        let url = try DatabaseURL(parsing: "postgresql://siaran@localhost/siaran")
        #expect(url.port == 5432 && url.password == nil && url.sslMode == .prefer && url.host == "localhost")
        #expect(url.redacted == "postgres://siaran@localhost:5432/siaran?sslmode=prefer")
    }

    @Test("each sslmode is read", arguments: DatabaseURL.SSLMode.allCases)
    func sslModes(mode: DatabaseURL.SSLMode) throws {
        #expect(try DatabaseURL(parsing: "postgres://u:p@h/d?sslmode=\(mode.rawValue)").sslMode == mode)
    }

    @Test("a percent-encoded password holding @ : / ? # and spaces is decoded, and never shown")
    func encodedPassword() throws {
        let url = try DatabaseURL(parsing: "postgres://siaran:p%40ss%3Aw%2Fo%3Fr%23d%20x@127.0.0.1:5433/db?sslmode=disable")
        #expect(url.password == "p@ss:w/o?r#d x")
        #expect(url.host == "127.0.0.1" && url.port == 5433)
        for shown in [url.redacted, url.description, "\(url)", String(describing: DatabaseLocation.postgres(url))] {
            #expect(!shown.contains("p@ss") && !shown.contains("p%40ss") && shown.contains("***"), "\(shown)")
        }
    }

    @Test("a Unix socket folder in ?host= is kept, the host defaults to localhost")
    func socket() throws {
        let url = try DatabaseURL(parsing: "postgres://siaran:pw@/siaran?host=/run/postgresql")
        #expect(url.socketDirectory == "/run/postgresql" && url.host == "localhost" && url.database == "siaran")
        #expect(url.redacted == "postgres://siaran:***@localhost:5432/siaran?sslmode=prefer&host=/run/postgresql")
    }

    @Test("an IPv6 address in brackets is a host, shown in brackets again")
    func ipv6() throws {
        let url = try DatabaseURL(parsing: "postgres://siaran:pw@[::1]:5433/siaran")
        #expect(url.host == "::1" && url.port == 5433)
        #expect(url.redacted == "postgres://siaran:***@[::1]:5433/siaran?sslmode=prefer")
    }

    @Test("libpq parameters Siaran does not use are accepted")
    func ignoredParameters() throws {
        let url = try DatabaseURL(parsing: "postgres://u:p@h/d?application_name=x&connect_timeout=5&sslmode=require")
        #expect(url.sslMode == .require)
    }

    @Test("a URL Siaran cannot use is refused with the reason, and never with its password", arguments: [
        ("mysql://siaran:Hunter22@h/d", "scheme"),
        ("postgres://:Hunter22@h/d", "no user name"),
        ("postgres://siaran:Hunter22@h", "no database"),
        ("postgres://siaran:Hunter22@h/", "no database"),
        ("postgres://siaran:Hunter22@h/d?sslmode=sometimes", "sslmode must be one of"),
        ("postgres://siaran:Hunter22@h/d?pool=9", "unknown parameter pool"),
        ("postgres://siaran:Hunter22@h:70000/d", ""),
        ("postgres://siaran:Hun@ter22@h/d?sslmode=bad", ""),
        ("postgres://siaran:Hunter22@/d", "no host"),
    ])
    func refused(text: String, reason: String) {
        do {
            let parsed = try DatabaseURL(parsing: text)
            Issue.record("accepted \(parsed.redacted)")
        } catch let error as StoreError {
            #expect(error.code == .invalidURL)
            #expect(reason.isEmpty || error.detail.contains(reason), "\(error.detail)")
            for secret in ["Hunter22", "ter22", "Hun"] {
                #expect(!error.detail.contains(secret), "the password shows in: \(error.detail)")
                #expect(!"\(error)".contains(secret))
            }
        } catch {
            Issue.record("not a StoreError: \(error)")
        }
    }

    @Test("database locations: empty is the SQLite file, sqlite:PATH a file, postgres:// a server; none shows a password")
    func locations() throws {
        #expect(try DatabaseLocation.parse(nil, defaultSQLitePath: "state/siaran.sqlite") == .sqlite(path: "state/siaran.sqlite"))
        #expect(try DatabaseLocation.parse("  ", defaultSQLitePath: "x.sqlite") == .sqlite(path: "x.sqlite"))
        #expect(try DatabaseLocation.parse("sqlite:data/s.sqlite", defaultSQLitePath: "x") == .sqlite(path: "data/s.sqlite"))
        #expect(try DatabaseLocation.parse("sqlite:///abs/s.sqlite", defaultSQLitePath: "x") == .sqlite(path: "/abs/s.sqlite"))
        let server = try DatabaseLocation.parse("postgres://siaran:Hunter22@db/siaran", defaultSQLitePath: "x")
        #expect(server.kind == .postgres)
        #expect(server.description == "postgres postgres://siaran:***@db:5432/siaran?sslmode=prefer")
        #expect(throws: StoreError.self) { try DatabaseLocation.parse("sqlite:", defaultSQLitePath: "x") }
    }
}
