import Foundation
import Store
import Testing
@testable import Siaran

@Suite("Configuration")
struct ConfigurationTests {
    private let loader = ConfigurationLoader(environment: [:])

    private func issues(_ yaml: String) -> [ConfigurationError.Issue] {
        do {
            _ = try loader.load(yaml: yaml, file: "pipeline.yaml")
            return []
        } catch let error as ConfigurationError {
            return error.issues
        } catch {
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    @Test("an empty file gives the Indonesian defaults")
    func defaults() throws {
        let c = try loader.load(yaml: "", file: "pipeline.yaml")
        #expect(c.contacts.countryCode == "62")
        #expect(c.contacts.minDigits == 10)
        #expect(c.pipeline.sending.delayMinimum == 3)
        #expect(c.pipeline.sending.delayMaximum == 6)
        #expect(c.pipeline.sending.timeZone == "Asia/Jakarta")
        #expect(c.pipeline.sending.window.description == "08:00-20:00")
        #expect(c.message.optOutFooterEnabled)
        #expect(c.optOutFile == "state/optout.txt")
    }

    @Test("the repository's pipeline.yaml is valid and sets what it documents")
    func repositoryFile() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let c = try loader.load(file: root.appendingPathComponent("pipeline.yaml").path)
        #expect(c.contacts.countryCode == "62")
        #expect(c.pipeline.sending.timeZone == "Asia/Jakarta")
        #expect(c.pipeline.sending.delayMinimum == 3 && c.pipeline.sending.delayMaximum == 6)
    }

    @Test("values are read with their types")
    func typedValues() throws {
        let c = try loader.load(yaml: """
            contacts:
              country_code: "60"
              min_digits: 11
              convert_local_prefix: no
            sending:
              delay: {min: 1.5, max: 2}
              window: "21:00-06:00"
              timezone: Asia/Makassar
              caps: {hourly: 10, daily: 100, cold_daily: 40}
              warm_days: 14
              transport: whatsapp
            reports:
              formats: [csv, pdf]
              language: en
              delivery_alert_hours: 48
            """, file: "pipeline.yaml")
        #expect(c.contacts.countryCode == "60")
        #expect(c.contacts.minDigits == 11)
        #expect(c.contacts.convertLocalPrefix == false)
        #expect(c.pipeline.sending.delayMinimum == 1.5)
        #expect(c.pipeline.sending.window.contains(minuteOfDay: 23 * 60))
        #expect(!c.pipeline.sending.window.contains(minuteOfDay: 12 * 60))
        #expect(c.pipeline.sending.transport == .whatsapp)
        #expect(c.pipeline.sending.coldDailyCap == 40 && c.pipeline.sending.warmDays == 14)
        #expect(c.reports.formats == [.csv, .pdf])
        #expect(c.reports.language == .english)
        #expect(c.reports.timeZone == "Asia/Makassar")
        #expect(c.reports.deliveryAlertHours == 48)
    }

    @Test("an unknown key is reported with its line, column and the keys expected")
    func unknownKey() {
        let found = issues("""
            sending:
              delay:
                min: 3
                mxa: 6
            """)
        #expect(found.count == 1)
        #expect(found.first?.line == 4)
        #expect(found.first?.column == 5)
        #expect(found.first?.message.contains("unknown key 'sending.delay.mxa'") == true)
        #expect(found.first?.message.contains("min, max") == true)
    }

    @Test("a wrong type names the key, what was expected and what was found")
    func wrongType() {
        let found = issues("contacts:\n  min_digits: sepuluh\n")
        #expect(found.map(\.description) == ["pipeline.yaml:2:15: 'contacts.min_digits' must be a whole number (digits), found 'sepuluh'"])
    }

    @Test("impossible values are refused", arguments: [
        ("sending:\n  delay: {min: 7, max: 6}\n", "greater than 'sending.delay.max'", 2),
        ("sending:\n  timezone: Asia/Bandung\n", "not a known time zone", 2),
        ("sending:\n  caps:\n    hourly: -5\n", "'sending.caps.hourly' must be between 0", 3),
        ("sending:\n  window: 8-20\n", "must look like 08:00-20:00", 2),
        ("contacts:\n  country_code: \"+62\"\n", "1 to 3 digits", 2),
        ("message:\n  optout_footer: \"\"\n", "optout_footer_enabled: false", 2),
        ("media:\n  format: gif\n", "must be one of jpeg, webp", 2),
        ("sending: [1, 2]\n", "must be a mapping", 1),
        ("reports:\n  language: en\n  delivery_alert_hours: 0\n", "'reports.delivery_alert_hours' must be between 1 and 720", 3),
    ])
    func impossibleValues(yaml: String, expected: String, line: Int) {
        let found = issues(yaml)
        #expect(found.contains { $0.message.contains(expected) && $0.line == line }, "got \(found)")
    }

    @Test("several problems are all reported, in file order")
    func severalProblems() {
        let found = issues("""
            contacts:
              min_digits: 3
            sending:
              approval: maybe
            colour: red
            """)
        #expect(found.map(\.line) == [2, 4, 5])
    }

    @Test("a YAML syntax error has a line and column")
    func syntaxError() {
        let found = issues("sending:\n  delay: {min: 3\n")
        #expect(found.count == 1)
        #expect(found.first.map { $0.line > 0 } == true)
        #expect(found.first?.message.contains("YAML") == true)
    }

    @Test("environment variables override the file")
    func environmentOverrides() throws {
        let loader = ConfigurationLoader(environment: [
            "SIARAN_STATE_DIR": "/var/lib/siaran",
            "SIARAN_TIMEZONE": "Asia/Jayapura",
            "SIARAN_DASHBOARD_PORT": "9090",
            "SIARAN_JWT_SECRET": String(repeating: "k", count: 40),
        ])
        let c = try loader.load(yaml: "paths:\n  state: state\n", file: "pipeline.yaml")
        #expect(c.paths.state == "/var/lib/siaran")
        // The opt-out list moves with the state folder unless optout.file names another place.
        #expect(c.optOutFile == "/var/lib/siaran/optout.txt")
        let pinned = try loader.load(yaml: "optout:\n  file: /srv/shared/optout.txt\n", file: "pipeline.yaml")
        #expect(pinned.optOutFile == "/srv/shared/optout.txt")
        #expect(c.pipeline.sending.timeZone == "Asia/Jayapura")
        #expect(c.dashboard.port == 9090)
        #expect(c.secrets.jwtSecret?.count == 40)
        #expect(!c.secrets.description.contains("kkkk"))
    }

    @Test("metrics: no own port by default; metrics.port and SIARAN_METRICS_TOKEN are read, the token never printed")
    func metrics() throws {
        #expect(try loader.load(yaml: "", file: "pipeline.yaml").metrics == MetricsSettings())
        let withToken = ConfigurationLoader(environment: ["SIARAN_METRICS_TOKEN": "token-rahasia"])
        let c = try withToken.load(yaml: "metrics:\n  host: 0.0.0.0\n  port: 9464\n", file: "pipeline.yaml")
        #expect(c.metrics == MetricsSettings(host: "0.0.0.0", port: 9464))
        #expect(c.secrets.metricsToken == "token-rahasia")
        #expect(!c.secrets.description.contains("rahasia"))
        #expect(throws: ConfigurationError.self) { try loader.load(yaml: "metrics:\n  port: 70000\n", file: "pipeline.yaml") }
        #expect(throws: ConfigurationError.self) { try loader.load(yaml: "metrics:\n  prot: 9464\n", file: "pipeline.yaml") }
    }

    @Test("a bad environment value is an error that does not echo secrets")
    func badEnvironment() {
        let loader = ConfigurationLoader(environment: ["SIARAN_DASHBOARD_PORT": "eighty", "SIARAN_JWT_SECRET": "short-secret"])
        #expect {
            try loader.load(yaml: "", file: "pipeline.yaml")
        } throws: { error in
            let text = "\(error)"
            return text.contains("SIARAN_DASHBOARD_PORT") && text.contains("SIARAN_JWT_SECRET") && !text.contains("short-secret")
        }
    }

    @Test("the database: SQLite in the state folder by default, PostgreSQL from database.url or SIARAN_DATABASE_URL")
    func database() throws {
        let plain = try loader.load(yaml: "paths:\n  state: /srv/state\n", file: "pipeline.yaml")
        #expect(try plain.databaseLocation() == .sqlite(path: "/srv/state/siaran.sqlite"))
        let file = try loader.load(yaml: "database:\n  url: postgres://siaran@db.local/siaran?sslmode=require\n", file: "pipeline.yaml")
        guard case .postgres(let url) = try file.databaseLocation() else { Issue.record("not postgres"); return }
        #expect(url.host == "db.local" && url.port == 5432 && url.database == "siaran" && url.sslMode == .require && url.password == nil)
        let environment = ConfigurationLoader(environment: ["SIARAN_DATABASE_URL": "postgresql://siaran:s3cr%40t@10.0.0.5:6543/kampanye?sslmode=disable"])
        let overridden = try environment.load(yaml: "database:\n  url: postgres://other@db.local/x\n", file: "pipeline.yaml")
        guard case .postgres(let env) = try overridden.databaseLocation() else { Issue.record("not postgres"); return }
        #expect(env.password == "s3cr@t" && env.port == 6543 && env.database == "kampanye" && env.sslMode == .disable)
        #expect(env.redacted == "postgres://siaran:***@10.0.0.5:6543/kampanye?sslmode=disable")
        #expect(!"\(try overridden.databaseLocation())".contains("s3cr"))
    }

    @Test("a database URL that cannot be used is reported at its key, the password masked")
    func badDatabaseURL() {
        for (url, expected) in [
            ("mysql://u:hunter2pass@h/db", "scheme"),
            ("postgres://u:hunter2pass@h", "no database name"),
            ("postgres://u:hunter2pass@h/db?sslmode=sometimes", "sslmode must be one of"),
            ("postgres://u:hunter2pass@h/db?color=blue", "unknown parameter color"),
        ] {
            let found = issues("database:\n  url: \"\(url)\"\n")
            #expect(found.count == 1 && found[0].line == 2, "\(url): \(found)")
            #expect(found.first?.message.contains(expected) == true, "\(url): \(found)")
            #expect(found.first?.message.contains("hunter2") == false, "\(url): \(found)")
        }
    }

    @Test(".env files are parsed like a shell would")
    func dotEnv() {
        let values = DotEnv.parse("""
            # comment
            export SIARAN_LOG_LEVEL=debug
            SIARAN_ADMIN_PASSWORD="rahasia dong"
            SIARAN_TIMEZONE=Asia/Jakarta # trailing comment
            """)
        #expect(values["SIARAN_LOG_LEVEL"] == "debug")
        #expect(values["SIARAN_ADMIN_PASSWORD"] == "rahasia dong")
        #expect(values["SIARAN_TIMEZONE"] == "Asia/Jakarta")
    }

    @Test("every environment variable the loader reads is documented in .env.example")
    func environmentDocumented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let example = try String(contentsOf: root.appendingPathComponent(".env.example"), encoding: .utf8)
        for variable in ConfigurationLoader.environmentVariables {
            #expect(example.contains(variable.name), "\(variable.name) is missing from .env.example")
        }
    }
}

extension ConfigurationTests {
    @Test("media quality floor and thumbnail settings are read and checked")
    func mediaSettings() throws {
        let c = try loader.load(yaml: """
            media:
              quality: 85
              minimum_quality: 55
              thumbnail_width: 48
              thumbnail_quality: 60
            """, file: "pipeline.yaml")
        #expect(c.media.minimumQuality == 55)
        #expect(c.media.thumbnailWidth == 48)
        #expect(c.media.thumbnailQuality == 60)
        let found = issues("media:\n  quality: 50\n  minimum_quality: 70\n  thumbnail_width: 4000\n")
        #expect(found.contains { $0.message.contains("minimum_quality") && $0.line == 3 }, "\(found)")
        #expect(found.contains { $0.message.contains("thumbnail_width") && $0.line == 4 }, "\(found)")
    }
}

extension ConfigurationTests {
    @Test("webhook endpoints are read as URLs or {url, events}; bad URLs, unknown events and a missing secret are refused with lines")
    func webhooks() throws {
        let yaml = """
            webhooks:
              endpoints:
                - https://crm.example.com/all
                - {url: "https://crm.example.com/some?token=x", events: [campaign.finished, message.replied]}
              timeout_seconds: 5
            """
        let withSecret = ConfigurationLoader(environment: ["SIARAN_WEBHOOK_SECRET": "0123456789abcdef"])
        let c = try withSecret.load(yaml: yaml, file: "pipeline.yaml")
        #expect(c.webhooks.endpoints.map(\.url.absoluteString) == ["https://crm.example.com/all", "https://crm.example.com/some?token=x"])
        #expect(c.webhooks.endpoints[0].events.isEmpty)
        #expect(c.webhooks.endpoints[1].events == [.campaignFinished, .messageReplied])
        #expect(c.webhooks.endpoints[1].displayName == "https://crm.example.com/some")
        #expect(c.webhooks.timeoutSeconds == 5)
        #expect(!c.secrets.description.contains("0123456789abcdef"))

        let missing = issues(yaml)
        #expect(missing.contains { $0.message.contains("SIARAN_WEBHOOK_SECRET") }, "\(missing)")
        let bad = issues("webhooks:\n  endpoints:\n    - ftp://files.example.com\n    - {url: https://x.example.com, events: [campaign.exploded]}\n")
        #expect(bad.contains { $0.message.contains("http(s) URL") && $0.line == 3 }, "\(bad)")
        #expect(bad.contains { $0.message.contains("campaign.exploded") && $0.line == 4 }, "\(bad)")
    }

    @Test("the spool: state/spool on SQLite, .siaran/spool beside inbox/ on PostgreSQL, cluster.shared_dir on either")
    func spool() throws {
        let plain = try loader.load(yaml: "paths:\n  inbox: /srv/shared/inbox\n  state: /srv/state\n", file: "pipeline.yaml")
        #expect(plain.cluster.spoolDirectory(paths: plain.paths, dialect: .sqlite) == "/srv/state/spool")
        #expect(plain.cluster.spoolDirectory(paths: plain.paths, dialect: .postgres) == "/srv/shared/.siaran/spool")
        let shared = try loader.load(yaml: "cluster:\n  shared_dir: /mnt/nfs/siaran\n", file: "pipeline.yaml")
        #expect(shared.cluster.spoolDirectory(paths: shared.paths, dialect: .sqlite) == "/mnt/nfs/siaran/spool")
        #expect(shared.cluster.dropClaimSeconds == 60)
        #expect(try loader.load(yaml: "cluster:\n  lease_seconds: 30\n", file: "pipeline.yaml").cluster.dropClaimSeconds == 120)
        let empty = issues("cluster:\n  shared_dir: \"\"\n")
        #expect(empty.count == 1 && empty[0].line == 2, "\(empty)")
    }
}
