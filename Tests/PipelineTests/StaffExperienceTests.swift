import Foundation
import Pipeline
import Reports
@testable import Store
import Testing

/// What staff meet with real drops: outbox folders named after what they dropped, files handed
/// back with errors.txt when a campaign fails, reasons in both languages with advice, drops that
/// wait for a missing part, rejected.csv in plain words.
@Suite("Pipeline: what staff see in inbox/ and outbox/")
struct StaffExperienceTests {
    static let numbers = PipelineTests.numbers

    func run(_ harness: PipelineHarness, adjust: (inout PipelineContext) -> Void = { _ in }) async throws {
        var context = harness.context
        adjust(&context)
        try await PipelineService(context: context, once: true).run()
    }

    func outbox(_ harness: PipelineHarness) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: harness.path("outbox"))) ?? []).sorted()
    }

    @Test("a folder drop's outbox folder is its name made safe, -2 when taken; the id stays inside the files")
    func folderNames() async throws {
        let harness = try PipelineHarness()
        try harness.drop("Promo Lebaran!/numbers.txt", Self.numbers)
        try harness.drop("Promo Lebaran!/message.txt", "Halo {name|Kak}")
        try await run(harness)
        try harness.drop("promo-lebaran/numbers.txt", "081299990000\n")
        try harness.drop("promo-lebaran/message.txt", "Promo kedua")
        try await run(harness)
        let campaigns = try await harness.campaigns().sorted { $0.createdAt < $1.createdAt }
        #expect(campaigns.map(\.outboxFolder) == ["promo-lebaran", "promo-lebaran-2"])
        #expect(campaigns.allSatisfy { $0.state == .done })
        #expect(outbox(harness) == ["promo-lebaran", "promo-lebaran-2"])
        for campaign in campaigns {
            let status = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: harness.path("outbox/\(campaign.folderName)/status.json")))) as? [String: Any]
            #expect(status?["campaign"] as? String == campaign.id)
            #expect(status?["folder"] as? String == campaign.folderName)
            let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: harness.path("outbox/\(campaign.folderName)/summary.json")))) as? [String: Any]
            #expect(summary?["campaign"] as? String == campaign.id)
            #expect(try harness.dryRunLines(campaign).first?["campaign"] as? String == campaign.id)
        }
    }

    @Test("the folder is chosen once: a restart mid-campaign keeps writing to it, even when a same-named folder appears")
    func stableAcrossRestarts() async throws {
        var harness = try PipelineHarness()
        harness.configuration.sending.approval = .required
        try harness.drop("promo/numbers.txt", Self.numbers)
        try harness.drop("promo/message.txt", "Halo")
        try await run(harness)
        var campaign = try #require(try await harness.campaigns().first)
        #expect(campaign.state == .waitingApproval)
        #expect(campaign.outboxFolder == "promo")
        // Someone makes outbox/promo-2 and drops another "promo": neither moves the first campaign.
        try FileManager.default.createDirectory(atPath: harness.path("outbox/promo-2"), withIntermediateDirectories: true)
        try "".write(toFile: harness.path("outbox/promo/APPROVE"), atomically: true, encoding: .utf8)
        try harness.drop("promo/numbers.txt", "081299990000\n")
        try harness.drop("promo/message.txt", "Lain")
        try await run(harness)  // a new service: as after a restart
        campaign = try #require(try await harness.database.campaign(campaign.id))
        #expect(campaign.state == .done)
        #expect(campaign.outboxFolder == "promo")
        #expect(FileManager.default.fileExists(atPath: harness.path("outbox/promo/report.csv")))
        let other = try #require(try await harness.campaigns().first { $0.id != campaign.id })
        #expect(other.outboxFolder == "promo-3")
    }

    @Test("campaigns taken before the change keep their old folder, named by id")
    func existingInstallations() async throws {
        var harness = try PipelineHarness()
        harness.configuration.sending.approval = .required
        try harness.drop("lama/numbers.txt", Self.numbers)
        try harness.drop("lama/message.txt", "Halo")
        try await run(harness)
        let id = try #require(try await harness.campaigns().first?.id)
        // As a database migrated from v6 has it: no stored folder, the files in outbox/<id>/.
        try await harness.database.write { db in try db.execute("UPDATE campaigns SET outboxFolder = NULL WHERE id = ?", id) }
        try FileManager.default.moveItem(atPath: harness.path("outbox/lama"), toPath: harness.path("outbox/\(id)"))
        try "".write(toFile: harness.path("outbox/\(id)/APPROVE"), atomically: true, encoding: .utf8)
        try await run(harness)
        #expect(try await harness.database.campaign(id)?.state == .done)
        #expect(FileManager.default.fileExists(atPath: harness.path("outbox/\(id)/report.pdf")))
        #expect(!FileManager.default.fileExists(atPath: harness.path("outbox/lama")))
        // The old id-named folder counts as taken.
        #expect(try await harness.database.isOutboxFolderTaken(id))
    }

    @Test("names from drops are made safe", arguments: [
        ("Promo Lebaran 2026!", "promo-lebaran-2026"), ("  ..  ", "kampanye"), ("Café Ünïcödé", "cafe-unicode"), ("🎉🎉", "kampanye"),
        ("a/../../etc", "a-etc"), ("-x-", "x"), (String(repeating: "panjang ", count: 20), String(String(repeating: "panjang-", count: 8).prefix(60)).trimmingCharacters(in: ["-"])),
    ])
    func slugs(name: String, expected: String) {
        #expect(OutboxFolder.slug(name) == expected)
    }

    @Test("a drop named like Siaran's own folders gets a suffix")
    func reserved() async throws {
        let harness = try PipelineHarness()
        try harness.drop("sessions/numbers.txt", Self.numbers)
        try harness.drop("sessions/message.txt", "Halo")
        try await run(harness)
        #expect(try await harness.campaigns().first?.outboxFolder == "sessions-2")
    }

    @Test("loose files are named by their arrival in the configured zone, not the server's")
    func looseNames() async throws {
        var harness = try PipelineHarness()
        harness.configuration.sending.timeZone = "Asia/Jayapura"
        try harness.drop("numbers.txt", Self.numbers)
        try harness.drop("message.txt", "Halo")
        let arrival = try #require(try FileManager.default.attributesOfItem(atPath: harness.path("inbox/message.txt"))[.modificationDate] as? Date)
        try await run(harness)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Jayapura")!
        let t = calendar.dateComponents([.day, .month, .hour, .minute], from: arrival)
        let months = ["jan", "feb", "mar", "apr", "mei", "jun", "jul", "agu", "sep", "okt", "nov", "des"]
        let expected = "kampanye-\(t.day!)-\(months[t.month! - 1])-\(String(format: "%02d%02d", t.hour!, t.minute!))"
        let campaign = try #require(try await harness.campaigns().first)
        #expect(campaign.name == expected)
        #expect(campaign.outboxFolder == expected)
        #expect(outbox(harness) == [expected])
    }

    @Test("a broken picture after intake: files back in inbox/failed/<name>/ with errors.txt, and errors.txt in the outbox folder")
    func failedAfterIntake() async throws {
        let harness = try PipelineHarness()
        try harness.drop("promo/numbers.txt", Self.numbers)
        try harness.drop("promo/message.txt", "Halo")
        let photo = try Data(contentsOf: MediaStageTests.promo)
        try photo.prefix(photo.count / 2).write(to: URL(fileURLWithPath: harness.path("inbox/promo/promo.jpg")))
        try harness.backdate(harness.path("inbox/promo/promo.jpg"), by: 5)
        try await run(harness)
        let campaign = try #require(try await harness.campaigns().first)
        #expect(campaign.state == .failed)
        #expect(!FileManager.default.fileExists(atPath: campaign.spoolPath), "the files left the private spool")
        for file in ["numbers.txt", "message.txt", "promo.jpg", "errors.txt"] {
            #expect(FileManager.default.fileExists(atPath: harness.path("inbox/failed/promo/\(file)")), "\(file) missing")
        }
        let beside = try String(contentsOfFile: harness.path("inbox/failed/promo/errors.txt"), encoding: .utf8)
        let outbox = try String(contentsOfFile: harness.path("outbox/promo/errors.txt"), encoding: .utf8)
        #expect(beside == outbox)
        // The reason itself in both languages, advice for the cause, folders as staff see them.
        #expect(outbox.contains("promo.jpg: the JPEG picture is cut short"), "\(outbox)")
        #expect(outbox.contains("promo.jpg: gambar JPEG terpotong"), "\(outbox)")
        #expect(outbox.contains("Save or export the picture again"))
        #expect(outbox.contains("Simpan atau ekspor ulang gambarnya"))
        #expect(outbox.contains("Your files are kept in inbox/failed/promo/"))
        #expect(outbox.contains("File Anda disimpan di inbox/failed/promo/"))
        #expect(outbox.contains(campaign.id))
        #expect(!outbox.contains(harness.root.path), "no server path in errors.txt")
        #expect(outbox.contains(" WIB"), "the time in the configured zone")
        // The next scan leaves inbox/failed alone.
        try await run(harness)
        #expect(try await harness.campaigns().count == 1)
    }

    @Test("a picture too large says its size and the limit; a wrong format says WebP is accepted")
    func pictureAdvice() async throws {
        let harness = try PipelineHarness()
        try harness.drop("besar/numbers.txt", Self.numbers)
        try harness.drop("besar/message.txt", "Halo")
        try Data(contentsOf: MediaStageTests.promo).write(to: URL(fileURLWithPath: harness.path("inbox/besar/promo.jpg")))
        try harness.backdate(harness.path("inbox/besar/promo.jpg"), by: 5)
        try harness.drop("gif/numbers.txt", "081299990000\n")
        try harness.drop("gif/message.txt", "Halo")
        try harness.drop("gif/promo.jpg", "GIF89a\u{1}\u{0}\u{1}\u{0}")
        try await run(harness) { $0.media.maxInputBytes = 100_000 }
        let size = try Data(contentsOf: MediaStageTests.promo).count
        let large = try String(contentsOfFile: harness.path("outbox/besar/errors.txt"), encoding: .utf8)
        #expect(large.contains("larger than the 97 KB allowed"), "\(large)")
        #expect(large.contains(StaffReasonSize.text(size)), "\(large)")
        #expect(large.contains("JPEG, PNG and WebP pictures are accepted."))
        let gif = try String(contentsOfFile: harness.path("outbox/gif/errors.txt"), encoding: .utf8)
        #expect(gif.contains("GIF"), "\(gif)")
        #expect(gif.contains("JPEG, PNG or WebP"))
        #expect(gif.contains("Gambar JPEG, PNG dan WebP diterima."))
    }

    @Test("an empty message fails with the reason in both languages; a missing template, once added, lets the same files in again")
    func messageProblems() async throws {
        let harness = try PipelineHarness()
        try harness.drop("kosong/numbers.txt", Self.numbers)
        try harness.drop("kosong/message.txt", "   \n")
        try harness.drop("tpl/numbers.txt", "081299990000\n")
        try harness.drop("tpl/campaign.yaml", "template: akhir-tahun\n")
        try await run(harness)
        let empty = try String(contentsOfFile: harness.path("outbox/kosong/errors.txt"), encoding: .utf8)
        #expect(empty.contains("the message is empty"), "\(empty)")
        #expect(empty.contains("pesannya kosong"), "\(empty)")
        #expect(empty.contains("Kampanye dihentikan: kosong"))
        let template = try String(contentsOfFile: harness.path("outbox/tpl/errors.txt"), encoding: .utf8)
        #expect(template.contains("templat tidak ditemukan"), "\(template)")
        #expect(template.contains("Check the name after template: in campaign.yaml"))
        // Fixed where the cause was (the templates folder); the same files dropped again are taken.
        try "Promo akhir tahun!\n".write(toFile: harness.path("templates/akhir-tahun.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.moveItem(atPath: harness.path("inbox/failed/tpl"), toPath: harness.path("inbox/tpl"))
        try FileManager.default.removeItem(atPath: harness.path("inbox/tpl/errors.txt"))
        try harness.backdate(harness.path("inbox/tpl/numbers.txt"), by: 5)
        try harness.backdate(harness.path("inbox/tpl/campaign.yaml"), by: 5)
        try harness.backdate(harness.path("inbox/tpl"), by: 5)
        try await run(harness)
        let again = try #require(try await harness.campaigns().first { $0.outboxFolder == "tpl-2" })
        #expect(again.state == .done)
    }

    @Test("a folder with numbers but no message waits, says so, then is refused with the reason")
    func folderWaitsForMessage() async throws {
        var harness = try PipelineHarness()
        // Long enough that a slow machine never reaches it between the drop and the run.
        harness.configuration.watch.incompleteSeconds = 3600
        try harness.drop("promo/numbers.txt", Self.numbers, age: 20)
        try harness.backdate(harness.path("inbox/promo"), by: 20)
        let scanner = DropScanner(inbox: harness.path("inbox"), configuration: harness.configuration.watch, timeZone: TimeZone(identifier: "Asia/Jakarta")!)
        #expect(scanner.scan().isEmpty)
        let waiting = try #require(scanner.waiting().first)
        #expect(waiting.name == "promo" && waiting.kind == .folder)
        #expect(waiting.english == "waiting for message.txt")
        #expect(waiting.indonesian == "menunggu message.txt")
        #expect(waiting.files == ["numbers.txt"])
        try await run(harness)
        #expect(try await harness.campaigns().isEmpty)
        #expect(FileManager.default.fileExists(atPath: harness.path("inbox/promo/numbers.txt")), "still waiting in inbox/")
        // The message arrives: taken.
        try harness.drop("promo/message.txt", "Halo")
        try harness.backdate(harness.path("inbox/promo"), by: 5)
        #expect(scanner.waiting().isEmpty)
        try await run(harness)
        #expect(try await harness.campaigns().first?.state == .done)

        // Another that never gets its message: refused once the wait is over.
        harness.configuration.watch.incompleteSeconds = 60
        try harness.drop("lupa/numbers.txt", Self.numbers, age: 90)
        try harness.backdate(harness.path("inbox/lupa"), by: 90)
        try await run(harness)
        let errors = try String(contentsOfFile: harness.path("outbox/lupa/errors.txt"), encoding: .utf8)
        #expect(errors.contains("there is no message (waited 60 seconds after the last file arrived)"), "\(errors)")
        #expect(errors.contains("tidak ada pesan (sudah ditunggu 60 detik setelah file terakhir masuk)"), "\(errors)")
        #expect(FileManager.default.fileExists(atPath: harness.path("inbox/failed/lupa/numbers.txt")))
        let problems = try await harness.database.recentProblems(limit: 5)
        #expect(problems.first?.kind == .refusedDrop && problems.first?.subject == "lupa")
    }

    @Test("loose files wait for the missing part the same way, then are refused")
    func looseWait() async throws {
        var harness = try PipelineHarness()
        harness.configuration.watch.incompleteSeconds = 60
        try harness.drop("message.txt", "Halo", age: 20)
        let scanner = DropScanner(inbox: harness.path("inbox"), configuration: harness.configuration.watch)
        let waiting = try #require(scanner.waiting().first)
        #expect(waiting.kind == .loose && waiting.missing == ["numbers.txt"])
        try harness.backdate(harness.path("inbox/message.txt"), by: 90)
        try await run(harness)
        let failed = try FileManager.default.contentsOfDirectory(atPath: harness.path("inbox/failed"))
        #expect(failed.count == 1 && failed[0].hasPrefix("kampanye-"))
        #expect(FileManager.default.fileExists(atPath: harness.path("inbox/failed/\(failed[0])/message.txt")))
        let errors = try String(contentsOfFile: harness.path("outbox/\(failed[0])/errors.txt"), encoding: .utf8)
        #expect(errors.contains("there is no contact list"))
    }

    @Test("rejected.csv keeps the codes and adds the reason in the report language", arguments: [
        (ReportsConfiguration.Language.indonesian, "line,input,reason,alasan", "4,62813 1122 3344,duplicate,duplikat", "5,0812345,too-short,terlalu pendek"),
        (.english, "line,input,reason,explanation", "4,62813 1122 3344,duplicate,duplicate", "5,0812345,too-short,too short"),
    ])
    func rejectedWords(language: ReportsConfiguration.Language, header: String, duplicate: String, short: String) async throws {
        let harness = try PipelineHarness()
        try harness.drop("promo/numbers.txt", Self.numbers)
        try harness.drop("promo/message.txt", "Halo")
        try await run(harness) { $0.reports.language = language }
        let lines = try String(contentsOfFile: harness.path("outbox/promo/rejected.csv"), encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.first == header)
        #expect(lines.contains(duplicate))
        #expect(lines.contains(short))
    }

    @Test("status.json: times in the configured zone with its offset, the ETA as a time, the folder")
    func statusTimes() async throws {
        var harness = try PipelineHarness()
        harness.configuration.sending.timeZone = "Asia/Jayapura"
        try harness.drop("promo/numbers.txt", Self.numbers)
        try harness.drop("promo/message.txt", "Halo")
        try await run(harness)
        let status = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: harness.path("outbox/promo/status.json")))) as? [String: Any])
        #expect((status["updated_at"] as? String)?.hasSuffix("+09:00") == true, "\(status)")
        #expect((status["started_at"] as? String)?.hasSuffix("+09:00") == true, "\(status)")
        #expect(status["time_zone"] as? String == "Asia/Jayapura")
    }

    @Test("the ETA follows delays, batch rests and the sending window")
    func estimate() {
        var sending = SendingConfiguration(batchSize: 50, batchPauseSeconds: 60, window: SendingWindow(startMinute: 8 * 60, endMinute: 20 * 60),
                                           timeZone: "Asia/Jakarta")
        let jakarta = TimeZone(identifier: "Asia/Jakarta")!
        func at(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }
        // 100 messages × 4.5 s = 450 s, plus one batch rest of 60 s.
        #expect(SendingEstimate.finish(pending: 100, averageDelay: 4.5, sending: sending, now: at("2026-12-03T10:00:00+07:00"))
                == at("2026-12-03T10:08:30+07:00"))
        // At 19:55 only 5 minutes are left today: the rest goes on at 08:00 the next morning.
        sending.batchSize = 0
        #expect(SendingEstimate.finish(pending: 200, averageDelay: 3, sending: sending, now: at("2026-12-03T19:55:00+07:00"))
                == at("2026-12-04T08:05:00+07:00"))
        // Before the window opens nothing is sent.
        #expect(SendingEstimate.finish(pending: 20, averageDelay: 3, sending: sending, now: at("2026-12-03T06:00:00+07:00"))
                == at("2026-12-03T08:01:00+07:00"))
        _ = jakarta
    }
}

/// Sizes as errors.txt writes them.
enum StaffReasonSize {
    static func text(_ bytes: Int) -> String {
        let tenths = Int((Double(bytes) / 1_048_576 * 10).rounded())
        return bytes >= 1_048_576 ? "\(tenths / 10).\(tenths % 10) MB" : "\(bytes / 1024) KB"
    }
}
