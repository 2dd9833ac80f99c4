import AutoReply
import Foundation
import Logging
@testable import Pipeline
import SiaranTestSupport
import Store
import Testing
import Transport

@Suite("autoreply.yaml: rules, matching and problems with their place")
struct AutoReplyConfigurationTests {
    static func parse(_ text: String) throws(AutoReplyConfigurationError) -> AutoReplyConfiguration {
        try AutoReplyConfiguration.parse(text, file: "autoreply.yaml", defaultTimeZone: "Asia/Jakarta")
    }

    static func problems(_ text: String) -> [String] {
        do {
            _ = try parse(text)
            return []
        } catch {
            return error.issues.map(\.description)
        }
    }

    @Test("keywords match whole words without regard to case or accents; phrases; regular expressions; first rule wins")
    func matching() throws {
        let rules = try Self.parse("""
            rules:
              - name: harga
                keywords: [harga, berapa, how much]
                answer: "Harganya Rp 50.000"
              - name: lokasi
                regex: '\\b(alamat|lokasi)\\b'
                answer: Jl. Merdeka 1
            default: Terima kasih
            """)
        let noon = Date(timeIntervalSince1970: 1_764_741_600)  // 2025-12-03 13:00 WIB
        #expect(rules.match("HÁRGA-nya?", isOptOut: false, at: noon)?.rule == "harga")
        #expect(rules.match("Berapa, Kak?", isOptOut: false, at: noon)?.reason == .keyword("berapa"))
        #expect(rules.match("How MUCH is it", isOptOut: false, at: noon)?.rule == "harga")
        #expect(rules.match("hargai aku", isOptOut: false, at: noon)?.rule == "default", "a longer word is not the keyword")
        #expect(rules.match("much how", isOptOut: false, at: noon)?.rule == "default", "a phrase keeps its order")
        #expect(rules.match("Alamat tokonya di mana?", isOptOut: false, at: noon)?.rule == "lokasi")
        #expect(rules.match("berapa ALAMAT", isOptOut: false, at: noon)?.rule == "harga", "the first rule in the file wins")
        #expect(rules.match("STOP", isOptOut: true, at: noon)?.rule == "opt-out")
        #expect(rules.match("STOP", isOptOut: true, at: noon)?.answer.source.contains("tidak akan menerima") == true, "a default confirmation")
    }

    @Test("business hours in the configured zone: the away message outside them, the default answer inside")
    func awayOutsideHours() throws {
        let rules = try Self.parse("""
            time_zone: Asia/Makassar
            business_hours:
              days: senin-jumat
              open: "08:00"
              close: "17:00"
            away: Kami sedang tutup, Kak.
            default: Staf kami segera membalas.
            """)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Asia/Makassar")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        #expect(rules.match("halo", isOptOut: false, at: formatter.date(from: "2026-12-03 16:59")!)?.rule == "default", "a Thursday afternoon")
        #expect(rules.match("halo", isOptOut: false, at: formatter.date(from: "2026-12-03 17:00")!)?.rule == "away")
        #expect(rules.match("halo", isOptOut: false, at: formatter.date(from: "2026-12-03 07:59")!)?.rule == "away")
        #expect(rules.match("halo", isOptOut: false, at: formatter.date(from: "2026-12-05 10:00")!)?.rule == "away", "a Saturday")
    }

    @Test("every problem is reported as FILE:LINE:COL with the reason")
    func problemsWithPlaces() {
        let found = Self.problems("""
            cooldown: soon
            daily_cap: 0
            rules:
              - name: harga
                keywords: [harga]
                answer: "Halo {nama"
              - name: pola
                regex: "(tutup"
                answer: ok
              - name: away
                keywords: [x]
                answer: y
              - keywords: [a]
                anwser: b
            business_hours:
              open: "8 pagi"
              close: "17:00"
            away: tutup
            """)
        #expect(found.contains("autoreply.yaml:1:11: 'cooldown' must be a duration such as 24h, 30m or 10s, found 'soon'"), "\(found)")
        #expect(found.contains("autoreply.yaml:2:12: 'daily_cap' must be between 1 and 100, found 0"))
        #expect(found.contains { $0.hasPrefix("autoreply.yaml:6:") && $0.contains("'rules[1].answer'") }, "\(found)")
        #expect(found.contains("autoreply.yaml:8:12: 'rules[2].regex' is not a valid regular expression: (tutup"))
        #expect(found.contains { $0.hasPrefix("autoreply.yaml:10:11:") && $0.contains("built-in answer") })
        #expect(found.contains { $0.hasPrefix("autoreply.yaml:14:5: unknown key 'rules[4].anwser'") })
        #expect(found.contains { $0.hasPrefix("autoreply.yaml:13:5:") && $0.contains("has no 'answer'") })
        #expect(found.contains("autoreply.yaml:16:9: 'business_hours.open' must be a time such as 08:00 or 17:30, found '8 pagi'"))
        #expect(!found.contains { $0.contains("'away' needs") }, "business_hours is there, only wrong")
        #expect(Self.problems("away: tutup\n").first == "autoreply.yaml:1:7: 'away' needs 'business_hours' (days, open, close) to know when staff are away")
        #expect(Self.problems("rules: [\n  - name: a\n").first?.hasPrefix("autoreply.yaml:") == true)
        #expect(Self.problems("rules:\n  - name: a\n    keywords: harga\n    answer: ok\n") == [], "a short list may be written inline")
    }
}

@Suite("The auto-reply bot answers safely: cooldown, daily cap, opt-out, loop guard; its answers are sent like staff answers")
struct AutoReplyBotTests {
    static let quiet = Logger(label: "t") { _ in SwiftLogNoOpLogHandler() }
    static let buyer = "6281234567890"

    static func date(_ text: String) -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "Asia/Jakarta")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.date(from: text)!
    }

    static let rules = """
        cooldown: 24h
        daily_cap: 3
        loop_guard: 10s
        business_hours:
          days: mon-sat
          open: "08:00"
          close: "17:00"
        away: Maaf {nama|Kak}, kami buka Senin–Sabtu 08.00–17.00 WIB.
        opt_out_confirmation: Baik {nama|Kak}, Anda tidak akan menerima promo lagi.
        rules:
          - name: harga
            keywords: [harga, berapa]
            answer: "{Halo|Hai} {nama|Kak}, harganya Rp 50.000."
        default: Terima kasih, staf kami segera membalas.
        """

    /// A campaign to the buyer (so `{nama}` comes from their row), the bot, and a recorder that calls it.
    struct Scene {
        let harness: PipelineHarness
        let clock: ManualClock
        let recorder: TransportEventRecorder
        var received = 0

        init(_ kind: TestDatabaseKind, at start: String, rules: String = AutoReplyBotTests.rules) async throws {
            harness = try await PipelineHarness(kind)
            try harness.drop("c/contacts.csv", "phone,nama\n\(AutoReplyBotTests.buyer),Sari\n6281311223344,Budi\n")
            try harness.drop("c/message.txt", "Halo {nama}, promo hari ini!")
            _ = try await harness.runOnce()
            try rules.write(toFile: harness.path(AutoReplyConfiguration.fileName), atomically: true, encoding: .utf8)
            clock = ManualClock(AutoReplyBotTests.date(start))
            let bot = AutoReplyBot(file: harness.path(AutoReplyConfiguration.fileName), defaultTimeZone: "Asia/Jakarta", database: harness.database,
                                   clock: clock, logger: AutoReplyBotTests.quiet)
            recorder = TransportEventRecorder(events: AsyncStream { _ in }, database: harness.database, optOutWords: ["STOP", "BERHENTI"],
                                              optOutFile: nil, logger: AutoReplyBotTests.quiet, autoReply: bot)
        }

        /// The contact writes `text` now (by the manual clock).
        mutating func say(_ text: String, from phone: String = AutoReplyBotTests.buyer) async throws {
            received += 1
            try await recorder.record(.reply(phone: phone, session: "utama", messageId: "IN\(received)", text: text, at: clock.now()))
        }

        func automatic(_ phone: String = AutoReplyBotTests.buyer) async throws -> [ConversationEntry] {
            try await harness.database.conversation(phone: phone)?.entries.filter { $0.kind == .answer && $0.rule != nil } ?? []
        }

        func advance(_ seconds: TimeInterval) async throws { try await clock.sleep(seconds: seconds) }
    }

    @Test("a keyword rule answers once with the contact's name, not again within the cooldown, again after it",
          arguments: TestDatabaseKind.allCases)
    func keywordOncePerCooldown(database: TestDatabaseKind) async throws {
        var scene = try await Scene(database, at: "2027-01-06 10:00:00")
        try await scene.say("Berapa harganya, Kak?")
        var answers = try await scene.automatic()
        #expect(answers.count == 1)
        #expect(answers.first?.rule == "harga")
        #expect(answers.first?.author == "autoreply")
        #expect(answers.first.map { $0.text.hasSuffix("Sari, harganya Rp 50.000.") && ($0.text.hasPrefix("Halo") || $0.text.hasPrefix("Hai")) } == true,
                "\(answers)")
        try await scene.advance(3600)
        try await scene.say("HARGA berapa?")
        #expect(try await scene.automatic().count == 1, "the same rule within 24 h stays quiet")
        try await scene.advance(60)
        try await scene.say("Ada warna merah?")
        answers = try await scene.automatic()
        #expect(answers.map(\.rule) == ["harga", "default"], "another rule may still answer")
        try await scene.advance(86_400)
        try await scene.say("harga?")
        #expect(try await scene.automatic().map(\.rule) == ["harga", "default", "harga"], "after the cooldown the rule answers again")
    }

    @Test("the daily cap per contact holds whatever the rules", arguments: TestDatabaseKind.allCases)
    func dailyCap(database: TestDatabaseKind) async throws {
        var scene = try await Scene(database, at: "2027-01-06 10:00:00", rules: """
            daily_cap: 2
            rules:
              - name: a
                keywords: [satu]
                answer: Satu
              - name: b
                keywords: [dua]
                answer: Dua
            default: Lain
            """)
        for text in ["satu", "dua", "tiga"] {
            try await scene.say(text)
            try await scene.advance(120)
        }
        #expect(try await scene.automatic().map(\.text) == ["Satu", "Dua"])
    }

    @Test("STOP gets one confirmation and nothing after; operators' answers are refused too", arguments: TestDatabaseKind.allCases)
    func stopConfirmedOnce(database: TestDatabaseKind) async throws {
        var scene = try await Scene(database, at: "2027-01-06 10:00:00")
        try await scene.say("STOP")
        var answers = try await scene.automatic()
        #expect(answers.map(\.rule) == ["opt-out"])
        #expect(answers.first?.text == "Baik Sari, Anda tidak akan menerima promo lagi.")
        for text in ["STOP", "berhenti", "harga?", "halo"] {
            try await scene.advance(3600)
            try await scene.say(text)
        }
        answers = try await scene.automatic()
        #expect(answers.count == 1, "\(answers.map(\.text))")
        let operatorAnswer = NewAnswer(id: "3EB0OPERATOR", phone: Self.buyer, session: "utama", text: "Promo lagi?", author: "sari")
        #expect(try await scene.harness.database.beginAnswer(operatorAnswer) == .optedOut)
    }

    @Test("outside business hours in the configured zone the away message answers, inside them the default", arguments: TestDatabaseKind.allCases)
    func awayMessage(database: TestDatabaseKind) async throws {
        var scene = try await Scene(database, at: "2027-01-06 21:30:00")
        try await scene.say("Halo, masih buka?")
        #expect(try await scene.automatic().map(\.text) == ["Maaf Sari, kami buka Senin–Sabtu 08.00–17.00 WIB."])
        try await scene.advance(12 * 3600)  // 09:30 the next morning
        try await scene.say("Halo lagi", from: "6281311223344")
        #expect(try await scene.automatic("6281311223344").map(\.rule) == ["default"])
    }

    @Test("a contact that is a bot echoing every message gets one automatic answer", arguments: TestDatabaseKind.allCases)
    func loopGuard(database: TestDatabaseKind) async throws {
        var scene = try await Scene(database, at: "2027-01-06 10:00:00")
        try await scene.say("harga?")
        // The other bot echoes whatever it gets, at once, for as long as it gets something.
        for _ in 0..<5 {
            try await scene.advance(1)
            guard let last = try await scene.automatic().last else { break }
            try await scene.say(last.text)
        }
        #expect(try await scene.automatic().count == 1)
    }

    @Test("our own linked numbers and non-person addresses get nothing; automatic answers are sent within the session's caps and ticked",
          arguments: TestDatabaseKind.allCases)
    func sentLikeStaffAnswers(database: TestDatabaseKind) async throws {
        var scene = try await Scene(database, at: "2027-01-06 10:00:00")
        try await scene.harness.database.recordLinkedSession("kedua", phone: "6281311223344", at: scene.clock.now())
        try await scene.say("harga?", from: "6281311223344")
        #expect(try await scene.automatic("6281311223344").isEmpty, "one of our own numbers")
        let bot = AutoReplyBot(file: scene.harness.path(AutoReplyConfiguration.fileName), defaultTimeZone: "Asia/Jakarta",
                               database: scene.harness.database, clock: scene.clock, logger: Self.quiet)
        #expect(try await bot.respond(phone: "120363000000000000-1", session: "utama", text: "harga", isOptOut: false, receivedAt: scene.clock.now())
                == .ignored("not a person's number"))

        var harness = scene.harness
        harness.configuration.sending.hourlyCap = 1  // (the campaign went out before this clock's hour)
        var context = harness.context
        let transport = RecordingTransport(clock: scene.clock)
        context.transport = transport
        context.clock = scene.clock
        let sender = AnswerSender(context: context)
        try await scene.say("harga?")
        #expect(try await sender.sendQueued() == 1)
        let answer = try #require(try await scene.automatic().first)
        #expect(transport.sends.withLock { $0.map(\.id) } == [answer.id])
        try await harness.database.markRead(answer.id, at: scene.clock.now())
        #expect(try await scene.automatic().first?.state == "read")

        try await scene.advance(120)
        try await scene.say("ada yang lain?")
        #expect(try await sender.sendQueued() == 0, "the hourly cap counts campaign messages and automatic answers")
        #expect(try await scene.automatic().last?.reason == "hourly-cap")
    }
}
