public import Foundation
import Contacts
import Media
import Pipeline
import Store
import Webhooks
import Reports
import Templates
import AIWriting
import Backup
import Yams
import AutoReply
import WASocket

/// Loads `pipeline.yaml`, applies environment overrides and validates the result.
///
/// Precedence, lowest first: built-in defaults, `pipeline.yaml`, `.env` beside it, the process
/// environment. Every problem is collected and thrown together as a `ConfigurationError`.
public struct ConfigurationLoader: Sendable {
    /// Environment variables Siaran reads, with what they do. `.env.example` lists the same.
    public static let environmentVariables: [(name: String, meaning: String)] = [
        ("SIARAN_CONFIG", "path of pipeline.yaml (default ./pipeline.yaml)"),
        ("SIARAN_INBOX_DIR", "watch folder (paths.inbox)"),
        ("SIARAN_OUTBOX_DIR", "results folder (paths.outbox)"),
        ("SIARAN_STATE_DIR", "runtime state: database, session keys, spool (paths.state)"),
        ("SIARAN_DATABASE_URL", "postgres://user:password@host:5432/dbname?sslmode=disable|require|verify-full, or empty for SQLite in the state folder (database.url)"),
        ("SIARAN_TEMPLATES_DIR", "named message templates (paths.templates)"),
        ("SIARAN_LOG_LEVEL", "trace, debug, info, notice, warning, error or critical (logging.level)"),
        ("SIARAN_TIMEZONE", "IANA time zone for windows, schedules and reports (sending.timezone)"),
        ("SIARAN_TRANSPORT", "dry-run or whatsapp (sending.transport)"),
        ("SIARAN_WHATSAPP_URL", "another WhatsApp server, e.g. the local simulator (whatsapp.server_url)"),
        ("SIARAN_WHATSAPP_ROOT_KEY", "hex certificate root key of that server (whatsapp.server_root_key)"),
        ("SIARAN_WHATSAPP_MEDIA_SCHEME", "http or https for media uploads to that server (whatsapp.media_scheme)"),
        ("SIARAN_WHATSAPP_PROXY_<NAME>", "proxy URL for session NAME, upper case with - as _ (whatsapp.proxies.NAME); keeps the proxy's password out of pipeline.yaml"),
        ("SIARAN_DASHBOARD_ENABLED", "true or false (dashboard.enabled)"),
        ("SIARAN_DASHBOARD_HOST", "address the dashboard listens on (dashboard.host)"),
        ("SIARAN_DASHBOARD_PORT", "port the dashboard listens on (dashboard.port)"),
        ("SIARAN_JWT_SECRET", "secret that signs dashboard logins (at least 32 characters)"),
        ("SIARAN_METRICS_TOKEN", "bearer token /metrics asks for (none: /metrics answers without one)"),
        ("SIARAN_ADMIN_USER", "username of the first admin, created on first run (default admin)"),
        ("SIARAN_ADMIN_PASSWORD", "password of the first admin, created on first run"),
        ("SIARAN_WEBHOOK_SECRET", "secret that signs webhook bodies (at least 16 characters; needed with webhooks.endpoints)"),
        ("SIARAN_BACKUP_PASSPHRASE", "passphrase that encrypts backups (siaran backup, backup.every); at least 12 characters"),
        ("ANTHROPIC_API_KEY", "Anthropic's API key, for ai.provider: anthropic (sent only to Anthropic)"),
        ("OPENAI_API_KEY", "OpenAI's API key, for ai.provider: openai (sent only to OpenAI)"),
        ("SIARAN_AI_API_KEY", "the key of the server at ai.base_url (a self-hosted or routed OpenAI-compatible server)"),
    ]

    public var environment: [String: String]

    static let proxyVariablePrefix = "SIARAN_WHATSAPP_PROXY_"

    /// `SIARAN_WHATSAPP_PROXY_CADANGAN_2` for the session `cadangan-2`.
    static func proxyVariable(for session: String) -> String {
        proxyVariablePrefix + session.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// Loads a file from disk. A missing file is an error: a daemon without its configuration
    /// should not guess.
    public func load(file path: String) throws -> SiaranConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(issues: [.init(file: path, line: 0, column: 0, message: "cannot read the file (missing or not readable)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(issues: [.init(file: path, line: 0, column: 0, message: "the file is not UTF-8 text")])
        }
        let dotEnv = (path as NSString).deletingLastPathComponent.isEmpty
            ? ".env" : ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(".env")
        var merged = DotEnv.load(path: dotEnv)
        merged.merge(environment) { _, process in process }
        return try ConfigurationLoader(environment: merged).load(yaml: text, file: path)
    }

    /// Parses and validates YAML text; `file` names it in error messages.
    public func load(yaml text: String, file: String) throws -> SiaranConfiguration {
        let reader = ConfigurationReader(file: file)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigurationError(issues: [Self.issue(from: error, file: file)])
        }
        var configuration = read(root: root, reader: reader)
        applyEnvironment(to: &configuration, reader: reader)
        validate(configuration, reader: reader)
        if !reader.issues.isEmpty {
            throw ConfigurationError(issues: reader.issues.sorted { ($0.line, $0.column) < ($1.line, $1.column) })
        }
        let folder = (file as NSString).deletingLastPathComponent
        configuration.autoReplyFile = folder.isEmpty ? AutoReplyConfiguration.fileName : (folder as NSString).appendingPathComponent(AutoReplyConfiguration.fileName)
        // The bot's rules are part of the configuration: a daemon does not start with rules it cannot read.
        do {
            _ = try AutoReplyConfiguration.load(file: configuration.autoReplyFile, defaultTimeZone: configuration.pipeline.sending.timeZone)
        } catch {
            throw ConfigurationError(issues: error.issues.map { .init(file: $0.file, line: $0.line, column: $0.column, message: $0.message) })
        }
        return configuration
    }

    private func read(root: Node?, reader: ConfigurationReader) -> SiaranConfiguration {
        let top = ConfigurationReader.Section(reader: reader, path: "", node: root)
        var c = SiaranConfiguration()

        let company = top.section("company")
        c.reports.companyName = company.string("name", default: c.reports.companyName, allowEmpty: false)
        c.reports.companyLogo = company.optionalString("logo")
        company.finish()

        let paths = top.section("paths")
        c.paths.inbox = paths.string("inbox", default: c.paths.inbox, allowEmpty: false)
        c.paths.outbox = paths.string("outbox", default: c.paths.outbox, allowEmpty: false)
        c.paths.state = paths.string("state", default: c.paths.state, allowEmpty: false)
        c.paths.templates = paths.string("templates", default: c.paths.templates, allowEmpty: false)
        paths.finish()

        let database = top.section("database")
        c.database.url = database.optionalString("url")
        database.finish()

        let contacts = top.section("contacts")
        c.contacts.countryCode = contacts.string("country_code", default: c.contacts.countryCode)
        c.contacts.minDigits = contacts.int("min_digits", default: c.contacts.minDigits, range: 4...15, unit: " (digits)")
        c.contacts.maxDigits = contacts.int("max_digits", default: c.contacts.maxDigits, range: 4...15, unit: " (digits)")
        c.contacts.convertLocalPrefix = contacts.bool("convert_local_prefix", default: c.contacts.convertLocalPrefix)
        c.contacts.strictMobile = contacts.bool("strict_mobile", default: c.contacts.strictMobile)
        c.contacts.maxFileBytes = contacts.int("max_file_bytes", default: c.contacts.maxFileBytes, range: 1...Int(Int32.max), unit: " (bytes)")
        c.contacts.maxRows = contacts.int("max_rows", default: c.contacts.maxRows, range: 1...100_000_000, unit: " (rows)")
        contacts.finish()

        let message = top.section("message")
        c.message.optOutFooter = message.string("optout_footer", default: c.message.optOutFooter)
        c.message.optOutFooterEnabled = message.bool("optout_footer_enabled", default: c.message.optOutFooterEnabled)
        c.message.defaultName = message.optionalString("default_name")
        message.finish()

        let media = top.section("media")
        c.media.format = media.choice("format", default: c.media.format)
        c.media.maxSide = media.int("max_side", default: c.media.maxSide, range: 64...8192, unit: " (pixels)")
        c.media.quality = media.int("quality", default: c.media.quality, range: 1...100)
        c.media.maxOutputBytes = media.int("max_bytes", default: c.media.maxOutputBytes, range: 10_000...16_000_000, unit: " (bytes)")
        c.media.maxInputBytes = media.int("max_input_bytes", default: c.media.maxInputBytes, range: 1...1_000_000_000, unit: " (bytes)")
        c.media.maxInputPixels = media.int("max_input_pixels", default: c.media.maxInputPixels, range: 1...1_000_000_000, unit: " (pixels)")
        c.media.background = media.string("background", default: c.media.background)
        c.media.progressive = media.bool("progressive", default: c.media.progressive)
        c.media.minimumQuality = media.int("minimum_quality", default: c.media.minimumQuality, range: 1...100)
        c.media.thumbnailWidth = media.int("thumbnail_width", default: c.media.thumbnailWidth, range: 8...320, unit: " (pixels)")
        c.media.thumbnailQuality = media.int("thumbnail_quality", default: c.media.thumbnailQuality, range: 1...100)
        media.finish()

        let watch = top.section("watch")
        c.pipeline.watch.quietSeconds = watch.double("quiet_seconds", default: c.pipeline.watch.quietSeconds, range: 0...3600, unit: " (seconds)")
        c.pipeline.watch.rescanSeconds = watch.double("rescan_seconds", default: c.pipeline.watch.rescanSeconds, range: 1...86_400, unit: " (seconds)")
        c.pipeline.watch.requireReadyMarker = watch.bool("ready_marker", default: c.pipeline.watch.requireReadyMarker)
        c.pipeline.watch.maxFileBytes = watch.int("max_file_bytes", default: c.pipeline.watch.maxFileBytes, range: 1...Int(Int32.max), unit: " (bytes)")
        c.pipeline.watch.incompleteSeconds = 60 * watch.double("incomplete_minutes", default: c.pipeline.watch.incompleteSeconds / 60,
                                                                range: 0...10_080, unit: " (minutes)")
        watch.finish()

        let sending = top.section("sending")
        var s = c.pipeline.sending
        let delay = sending.section("delay")
        s.delayMinimum = delay.double("min", default: s.delayMinimum, range: 0...3600, unit: " (seconds)")
        s.delayMaximum = delay.double("max", default: s.delayMaximum, range: 0...3600, unit: " (seconds)")
        delay.finish()
        let caps = sending.section("caps")
        s.hourlyCap = caps.int("hourly", default: s.hourlyCap, range: 0...100_000, unit: " (messages)")
        s.dailyCap = caps.int("daily", default: s.dailyCap, range: 0...1_000_000, unit: " (messages)")
        s.coldDailyCap = caps.int("cold_daily", default: s.coldDailyCap, range: 0...1_000_000, unit: " (messages)")
        caps.finish()
        s.warmDays = sending.int("warm_days", default: s.warmDays, range: 1...3650, unit: " (days)")
        s.unengagedCampaigns = sending.int("unengaged_campaigns", default: s.unengagedCampaigns, range: 0...100, unit: " (campaigns)")
        s.warmUpDailyCaps = sending.intList("warmup", default: s.warmUpDailyCaps, range: 1...1_000_000)
        let batch = sending.section("batch")
        s.batchSize = batch.int("size", default: s.batchSize, range: 0...1_000_000, unit: " (messages)")
        s.batchPauseSeconds = batch.double("pause_seconds", default: s.batchPauseSeconds, range: 0...86_400, unit: " (seconds)")
        batch.finish()
        if let node = sending.node("window") {
            if case .scalar(let scalar) = node, let window = SendingWindow(parsing: scalar.string) {
                s.window = window
            } else {
                reader.report("'sending.window' must look like 08:00-20:00 (start-end, 24-hour clock), found \(node.describedValue)", at: node.mark)
            }
        }
        s.timeZone = sending.string("timezone", default: s.timeZone, allowEmpty: false)
        if TimeZone(identifier: s.timeZone) == nil, let node = sending.node("timezone") {
            reader.report("'sending.timezone' is not a known time zone: '\(s.timeZone)' (use an IANA name such as Asia/Jakarta, Asia/Makassar or Asia/Jayapura)", at: node.mark)
        }
        s.typingPresence = sending.bool("typing", default: s.typingPresence)
        s.approval = sending.choice("approval", default: s.approval)
        s.transport = sending.choice("transport", default: s.transport)
        s.maxAttempts = sending.int("max_attempts", default: s.maxAttempts, range: 1...100)
        sending.finish()
        c.pipeline.sending = s
        c.reports.timeZone = s.timeZone

        let reports = top.section("reports")
        c.reports.language = reports.choice("language", default: c.reports.language)
        let formatWords = reports.stringList("formats", default: c.reports.formats.map(\.rawValue))
        var formats: [ReportsConfiguration.Format] = []
        for word in formatWords {
            if let format = ReportsConfiguration.Format(rawValue: word.lowercased()) {
                formats.append(format)
            } else {
                reader.report("'reports.formats' has an unknown format '\(word)'; expected csv, pdf, xlsx or json", at: reports.node("formats")?.mark)
            }
        }
        c.reports.formats = formats
        c.reports.csvByteOrderMark = reports.bool("csv_bom", default: c.reports.csvByteOrderMark)
        c.reports.deliveryAlertHours = reports.int("delivery_alert_hours", default: c.reports.deliveryAlertHours, range: 1...720, unit: " (hours)")
        reports.finish()

        let optOut = top.section("optout")
        c.optOut.keywords = optOut.stringList("keywords", default: c.optOut.keywords)
        c.optOut.file = optOut.optionalString("file")
        optOut.finish()

        let logging = top.section("logging")
        c.logging.level = logging.choice("level", default: c.logging.level)
        c.logging.maxFileBytes = logging.int("max_file_bytes", default: c.logging.maxFileBytes, range: 4096...Int(Int32.max), unit: " (bytes)")
        c.logging.keepFiles = logging.int("keep_files", default: c.logging.keepFiles, range: 0...100)
        logging.finish()

        let dashboard = top.section("dashboard")
        c.dashboard.enabled = dashboard.bool("enabled", default: c.dashboard.enabled)
        c.dashboard.host = dashboard.string("host", default: c.dashboard.host, allowEmpty: false)
        c.dashboard.port = dashboard.int("port", default: c.dashboard.port, range: 1...65_535)
        dashboard.finish()

        let metrics = top.section("metrics")
        c.metrics.host = metrics.string("host", default: c.metrics.host, allowEmpty: false)
        if metrics.mapping?["port"] != nil { c.metrics.port = metrics.int("port", default: 9464, range: 1...65_535) }
        metrics.finish()

        let webhooks = top.section("webhooks")
        c.webhooks.endpoints = Self.webhookEndpoints(webhooks.node("endpoints"), reader: reader)
        c.webhooks.timeoutSeconds = webhooks.double("timeout_seconds", default: c.webhooks.timeoutSeconds, range: 1...120, unit: " (seconds)")
        webhooks.finish()

        let whatsapp = top.section("whatsapp")
        c.whatsapp.sessions = whatsapp.stringList("sessions", default: c.whatsapp.sessions)
        c.whatsapp.version = whatsapp.optionalString("version")
        c.whatsapp.connectTimeoutSeconds = whatsapp.double("connect_timeout_seconds", default: c.whatsapp.connectTimeoutSeconds, range: 1...600, unit: " (seconds)")
        c.whatsapp.serverURL = whatsapp.optionalString("server_url")
        c.whatsapp.serverRootKey = whatsapp.optionalString("server_root_key")
        c.whatsapp.mediaScheme = whatsapp.optionalString("media_scheme") ?? c.whatsapp.mediaScheme
        let proxies = whatsapp.section("proxies")
        for (name, keyMark, value) in proxies.entries() {
            guard c.whatsapp.sessions.contains(name) else {
                reader.report("'whatsapp.proxies' names the session '\(name)', which is not in 'whatsapp.sessions' (\(c.whatsapp.sessions.joined(separator: ", ")))", at: keyMark)
                continue
            }
            guard case .scalar(let scalar) = value, !scalar.string.isEmpty else {
                reader.report("'whatsapp.proxies.\(name)' must be a proxy URL such as socks5://user:password@host:1080, found \(value.kindName)", at: value.mark)
                continue
            }
            do {
                c.whatsapp.proxies[name] = try ProxyConfiguration(url: scalar.string)
            } catch {
                reader.report("'whatsapp.proxies.\(name)' \(error.reason)", at: value.mark)
            }
        }
        whatsapp.finish()

        c.ai = Self.ai(top.section("ai"), reader: reader)

        let backup = top.section("backup")
        if let node = backup.node("every") {
            if let text = node.string, let seconds = Self.duration(text), (60...30 * 86_400).contains(seconds) {
                c.backup.every = seconds
            } else {
                reader.report("'backup.every' must be a duration between 1m and 30d such as 24h, 12h or 30m, found \(node.describedValue)", at: node.mark)
            }
        }
        c.backup.keep = backup.int("keep", default: c.backup.keep, range: 1...1000, unit: " (archives)")
        c.backup.dir = backup.string("dir", default: c.backup.dir, allowEmpty: false)
        backup.finish()

        let privacy = top.section("privacy")
        if privacy.node("keep_message_texts_days") != nil {
            c.privacy.keepMessageTextsDays = privacy.int("keep_message_texts_days", default: 0, range: 1...36_500, unit: " (days)")
        }
        privacy.finish()

        let cluster = top.section("cluster")
        c.cluster.leaseSeconds = cluster.double("lease_seconds", default: c.cluster.leaseSeconds, range: 5...300, unit: " (seconds)")
        if cluster.node("shared_dir") != nil { c.cluster.sharedDir = cluster.string("shared_dir", default: "", allowEmpty: false) }
        cluster.finish()

        top.finish()
        return c
    }

    private func applyEnvironment(to c: inout SiaranConfiguration, reader: ConfigurationReader) {
        func value(_ name: String) -> String? {
            guard let v = environment[name]?.trimmingCharacters(in: .whitespaces), !v.isEmpty else { return nil }
            return v
        }
        func envIssue(_ name: String, _ message: String) {
            reader.report("environment variable \(name) \(message)", at: nil)
        }
        if let v = value("SIARAN_WORKER_ID") {
            if v.count <= 100, v.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) {
                c.cluster.workerId = v
            } else {
                envIssue("SIARAN_WORKER_ID", "must be up to 100 letters, digits, '-', '_' or '.', found '\(v.prefix(40))'")
            }
        }
        if let v = value("SIARAN_INBOX_DIR") { c.paths.inbox = v }
        if let v = value("SIARAN_OUTBOX_DIR") { c.paths.outbox = v }
        if let v = value("SIARAN_STATE_DIR") { c.paths.state = v }
        if let v = value("SIARAN_TEMPLATES_DIR") { c.paths.templates = v }
        if let v = value("SIARAN_DATABASE_URL") { c.database.url = v }
        if let v = value("SIARAN_LOG_LEVEL") {
            if let level = LoggingConfiguration.Level(rawValue: v.lowercased()) { c.logging.level = level }
            else { envIssue("SIARAN_LOG_LEVEL", "must be one of \(LoggingConfiguration.Level.allCases.map(\.rawValue).joined(separator: ", ")), found '\(v)'") }
        }
        if let v = value("SIARAN_TIMEZONE") {
            if TimeZone(identifier: v) != nil { c.pipeline.sending.timeZone = v; c.reports.timeZone = v }
            else { envIssue("SIARAN_TIMEZONE", "is not a known time zone: '\(v)'") }
        }
        if let v = value("SIARAN_TRANSPORT") {
            if let kind = SendingConfiguration.TransportKind(rawValue: v) { c.pipeline.sending.transport = kind }
            else { envIssue("SIARAN_TRANSPORT", "must be dry-run or whatsapp, found '\(v)'") }
        }
        if let v = value("SIARAN_DASHBOARD_ENABLED") {
            switch v.lowercased() {
            case "true", "1", "yes": c.dashboard.enabled = true
            case "false", "0", "no": c.dashboard.enabled = false
            default: envIssue("SIARAN_DASHBOARD_ENABLED", "must be true or false, found '\(v)'")
            }
        }
        if let v = value("SIARAN_WHATSAPP_URL") { c.whatsapp.serverURL = v }
        if let v = value("SIARAN_WHATSAPP_ROOT_KEY") { c.whatsapp.serverRootKey = v }
        if let v = value("SIARAN_WHATSAPP_MEDIA_SCHEME") { c.whatsapp.mediaScheme = v }
        // The environment (or .env, mode 0600) is where a proxy's password belongs.
        for (name, _) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix(Self.proxyVariablePrefix) {
            guard let v = value(name) else { continue }
            guard let session = c.whatsapp.sessions.first(where: { Self.proxyVariable(for: $0) == name }) else {
                envIssue(name, "names no session in 'whatsapp.sessions' (\(c.whatsapp.sessions.joined(separator: ", ")))")
                continue
            }
            do {
                c.whatsapp.proxies[session] = try ProxyConfiguration(url: v)
            } catch {
                envIssue(name, error.reason)
            }
        }
        if let v = value("SIARAN_DASHBOARD_HOST") { c.dashboard.host = v }
        if let v = value("SIARAN_DASHBOARD_PORT") {
            if let port = Int(v), (1...65_535).contains(port) { c.dashboard.port = port }
            else { envIssue("SIARAN_DASHBOARD_PORT", "must be a port number between 1 and 65535, found '\(v)'") }
        }
        c.secrets.jwtSecret = value("SIARAN_JWT_SECRET")
        c.secrets.adminPassword = value("SIARAN_ADMIN_PASSWORD")
        if let v = value("SIARAN_ADMIN_USER") { c.secrets.adminUser = v }
        c.secrets.webhookSecret = value("SIARAN_WEBHOOK_SECRET")
        c.secrets.metricsToken = value("SIARAN_METRICS_TOKEN")
        c.secrets.backupPassphrase = environment["SIARAN_BACKUP_PASSPHRASE"].flatMap { $0.isEmpty ? nil : $0 }
        if c.backup.every != nil {
            // Never a hint of the passphrase itself: only whether it is there and long enough.
            let minimum = BackupArchive.minimumPassphraseLength
            if c.secrets.backupPassphrase == nil {
                reader.report("'backup.every' is set but SIARAN_BACKUP_PASSPHRASE is not: put a passphrase of \(minimum)+ characters in .env (it encrypts the archives)", atKey: "backup.every")
            } else if (c.secrets.backupPassphrase?.count ?? 0) < minimum {
                reader.report("'backup.every' is set but SIARAN_BACKUP_PASSPHRASE is shorter than \(minimum) characters", atKey: "backup.every")
            }
        }
        if let ai = c.ai {
            c.secrets.aiKey = ai.key(from: environment)
            if c.secrets.aiKey == nil && ai.requiresKey {
                // Never a hint of the key itself: only which variable is missing.
                reader.report("'ai.provider' is \(ai.provider.rawValue) but \(ai.keyVariables[0]) is not set: put the key in .env or the environment (never in pipeline.yaml)", atKey: "ai.provider")
            }
        }
        if let secret = c.secrets.webhookSecret, secret.count < 16 {
            envIssue("SIARAN_WEBHOOK_SECRET", "is too short (\(secret.count) characters); use at least 16 random characters")
        }
        if let secret = c.secrets.jwtSecret, secret.count < 32 {
            // Never echo the secret itself.
            envIssue("SIARAN_JWT_SECRET", "is too short (\(secret.count) characters); use at least 32 random characters")
        }
    }

    /// `webhooks.endpoints`: a list of URLs, or of `{url, events}` mappings.
    static func webhookEndpoints(_ node: Node?, reader: ConfigurationReader) -> [WebhookEndpoint] {
        guard let node else { return [] }
        if case .scalar(let scalar) = node, scalar.string.isEmpty || scalar.string == "~" || scalar.string == "null" { return [] }
        guard case .sequence(let items) = node else {
            reader.report("'webhooks.endpoints' must be a list of URLs or of {url, events} entries, found \(node.kindName)", at: node.mark)
            return []
        }
        let known = DomainEvent.Kind.allCases.map(\.rawValue).joined(separator: ", ")
        var endpoints: [WebhookEndpoint] = []
        for item in items {
            var urlNode: Node? = item
            var events: Set<DomainEvent.Kind> = []
            if case .mapping(let mapping) = item {
                urlNode = mapping["url"]
                for key in mapping.keys.compactMap(\.string) where !["url", "events"].contains(key) {
                    reader.report("unknown key '\(key)' in a webhook entry; use url and events", at: mapping[key]?.mark ?? item.mark)
                }
                if let list = mapping["events"] {
                    let names: [Node] = list.sequence.map(Array.init) ?? [list]
                    for name in names {
                        guard let text = name.string, let kind = DomainEvent.Kind(rawValue: text) else {
                            reader.report("unknown webhook event '\(name.string ?? name.kindName)'; known events: \(known)", at: name.mark)
                            continue
                        }
                        events.insert(kind)
                    }
                }
            }
            guard let text = urlNode?.string, let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false else {
                reader.report("a webhook needs an http(s) URL such as https://crm.example.com/siaran, found '\(urlNode?.string ?? "nothing")'", at: urlNode?.mark ?? item.mark)
                continue
            }
            endpoints.append(WebhookEndpoint(url: url, events: events))
        }
        return endpoints
    }

    /// `ai:`: the language model that drafts messages and words insights. Absent or empty: no AI.
    static func ai(_ section: ConfigurationReader.Section, reader: ConfigurationReader) -> AIConfiguration? {
        defer { section.finish() }
        guard section.mapping != nil else { return nil }
        let providers = AIConfiguration.Provider.allCases.map(\.rawValue).joined(separator: " or ")
        guard section.node("provider") != nil else {
            reader.report("'ai' needs 'provider' (\(providers)) and 'model'; remove the ai: section to turn AI writing off", at: section.mark)
            return nil
        }
        let provider = section.choice("provider", default: AIConfiguration.Provider.anthropic)
        let model = section.string("model", default: "", allowEmpty: false)
        if section.node("model") == nil {
            reader.report("'ai.model' is missing: the provider's model name, e.g. claude-sonnet-4-5 or gpt-4o-mini", at: section.mark)
        }
        var configuration = AIConfiguration(provider: provider, model: model)
        if let text = section.optionalString("base_url") {
            let mark = section.node("base_url")?.mark
            if let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false {
                let path = url.path.hasSuffix("/") ? String(url.path.dropLast()) : url.path
                if path.hasSuffix("/v1") || path.contains("/v1/") {
                    reader.report("'ai.base_url' is the server's root without /v1 (Siaran adds /v1/…), found '\(text)'", at: mark)
                } else {
                    configuration.baseURL = path.isEmpty ? URL(string: "\(url.scheme!)://\(url.host!)\(url.port.map { ":\($0)" } ?? "")") : url
                }
            } else {
                reader.report("'ai.base_url' must be an http(s) URL such as http://127.0.0.1:8000, found '\(text)'", at: mark)
            }
        }
        configuration.timeoutSeconds = section.double("timeout_seconds", default: configuration.timeoutSeconds, range: 1...600, unit: " (seconds)")
        configuration.maxOutputTokens = section.int("max_output_tokens", default: configuration.maxOutputTokens, range: 256...64_000, unit: " (tokens)")
        configuration.promptsFolder = section.string("prompts", default: configuration.promptsFolder, allowEmpty: false)
        return configuration
    }

    /// Checks that need several values together.
    private func validate(_ c: SiaranConfiguration, reader: ConfigurationReader) {
        do {
            _ = try c.databaseLocation()
        } catch let error as StoreError {
            // The error shows the URL with its password masked.
            reader.report(error.detail, atKey: "database.url")
        } catch {
            reader.report("'database.url' cannot be read", atKey: "database.url")
        }
        if !c.webhooks.endpoints.isEmpty && c.secrets.webhookSecret == nil {
            reader.report("'webhooks.endpoints' is set but SIARAN_WEBHOOK_SECRET is not: set it (16+ random characters) in .env so receivers can check the signature", atKey: "webhooks.endpoints")
        }
        let s = c.pipeline.sending
        if s.delayMinimum > s.delayMaximum {
            reader.report("'sending.delay.min' (\(s.delayMinimum)) is greater than 'sending.delay.max' (\(s.delayMaximum)); min must be at most max", atKey: "sending.delay.min")
        }
        if c.contacts.minDigits > c.contacts.maxDigits {
            reader.report("'contacts.min_digits' (\(c.contacts.minDigits)) is greater than 'contacts.max_digits' (\(c.contacts.maxDigits))", atKey: "contacts.min_digits")
        }
        let code = c.contacts.countryCode
        if code.isEmpty || code.count > 3 || !code.allSatisfy(\.isASCIIDigitCharacter) || code.first == "0" {
            reader.report("'contacts.country_code' must be 1 to 3 digits without + or leading 0 (62 for Indonesia), found '\(code)'", atKey: "contacts.country_code")
        }
        if s.hourlyCap > 0, s.dailyCap > 0, s.hourlyCap > s.dailyCap {
            reader.report("'sending.caps.hourly' (\(s.hourlyCap)) is greater than 'sending.caps.daily' (\(s.dailyCap))", atKey: "sending.caps.hourly")
        }
        if c.message.optOutFooterEnabled && c.message.optOutFooter.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            reader.report("'message.optout_footer' is empty; to send without an opt-out line set 'message.optout_footer_enabled: false' explicitly", atKey: "message.optout_footer")
        }
        if c.optOut.keywords.isEmpty {
            reader.report("'optout.keywords' must list at least one word (STOP, BERHENTI, …) so recipients can always opt out", atKey: "optout.keywords")
        }
        if c.media.minimumQuality > c.media.quality {
            reader.report("'media.minimum_quality' (\(c.media.minimumQuality)) must not be above 'media.quality' (\(c.media.quality))", atKey: "media.minimum_quality")
        }
        if !Self.isHexColour(c.media.background) {
            reader.report("'media.background' must be a colour like #FFFFFF, found '\(c.media.background)'", atKey: "media.background")
        }
        if let url = c.whatsapp.serverURL, URL(string: url)?.scheme.map({ ["ws", "wss"].contains($0) }) != true {
            reader.report("'whatsapp.server_url' must be a ws:// or wss:// URL, found '\(url)'", atKey: "whatsapp.server_url")
        }
        if let key = c.whatsapp.serverRootKey, key.count != 64 || !key.allSatisfy(\.isHexDigit) {
            reader.report("'whatsapp.server_root_key' must be 64 hex digits (32 bytes)", atKey: "whatsapp.server_root_key")
        }
        if c.whatsapp.serverURL != nil, c.whatsapp.serverRootKey == nil {
            reader.report("'whatsapp.server_url' needs 'whatsapp.server_root_key' (the server's certificate root)", atKey: "whatsapp.server_url")
        }
        if !["http", "https"].contains(c.whatsapp.mediaScheme) {
            reader.report("'whatsapp.media_scheme' must be http or https", atKey: "whatsapp.media_scheme")
        }
        if c.whatsapp.sessions.contains(where: { !SessionName.isValid($0) }) {
            reader.report("'whatsapp.sessions' names may use letters, digits, - and _ only (1–32 characters)", atKey: "whatsapp.sessions")
        }
    }

    /// `90s`, `30m`, `24h`, `7d` in seconds.
    static func duration(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let unit = trimmed.last, let number = Double(trimmed.dropLast()), number > 0 else { return nil }
        switch unit {
        case "s": return number
        case "m": return number * 60
        case "h": return number * 3600
        case "d": return number * 86_400
        default: return nil
        }
    }

    private static func isHexColour(_ text: String) -> Bool {
        text.count == 7 && text.first == "#" && text.dropFirst().allSatisfy(\.isHexDigit)
    }

    private static func issue(from error: YamlError, file: String) -> ConfigurationError.Issue {
        let problem = YAMLProblem(error)
        return .init(file: file, line: problem.line, column: problem.column, message: problem.message)
    }
}

/// Session names become folder names under `state/sessions/`, so they are kept plain.
public enum SessionName {
    public static func isValid(_ name: String) -> Bool {
        (1...32).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}

extension Character {
    var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
