import Foundation
import SiaranTestSupport
import Pipeline
import Store
import Testing

@Suite("Pipeline: drops to sent messages")
struct PipelineTests {
    static let numbers = "# pelanggan\n081234567890\n+62 813-1122-3344\n62813 1122 3344\n0812345\n"

    @Test("a campaign folder goes through every stage: each number gets one message, reports are written",
          arguments: TestDatabaseKind.allCases)
    func fullRun(database: TestDatabaseKind) async throws {
        let harness = try await PipelineHarness(database)
        try harness.drop("promo/numbers.txt", Self.numbers)
        try harness.drop("promo/message.txt", "{Halo|Hai} {name|Kak}, promo hari ini!")
        _ = try await harness.runOnce()
        let campaign = try #require(try await harness.campaigns().first)
        #expect(campaign.state == .done)
        let lines = try harness.dryRunLines(campaign)
        #expect(lines.map { $0["to"] as? String } == ["6281234567890", "6281311223344"])
        #expect(Set(lines.compactMap { $0["id"] as? String }).count == 2)
        for line in lines {
            #expect((line["text"] as? String)?.hasSuffix("Balas STOP untuk berhenti menerima pesan.") == true)
            #expect((line["id"] as? String)?.hasPrefix("3EB0") == true)
        }
        let outbox = harness.path("outbox/\(campaign.folderName)")
        for file in ["status.json", "rejected.csv", "report.csv", "summary.json", "preview.txt"] {
            #expect(FileManager.default.fileExists(atPath: "\(outbox)/\(file)"), "\(file) missing")
        }
        let rejected = try String(contentsOfFile: "\(outbox)/rejected.csv", encoding: .utf8)
        #expect(rejected.contains("4,62813 1122 3344,duplicate"))
        #expect(rejected.contains("5,0812345,too-short"))
        let status = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(outbox)/status.json"))) as! [String: Any]
        #expect(status["state"] as? String == "done")
        #expect(status["sent"] as? Int == 2)
        #expect(!FileManager.default.fileExists(atPath: harness.path("inbox/promo")))
        #expect(try await harness.database.completedStages(of: campaign.id) == Set(CampaignStage.allCases))
    }

    @Test("a drop still being written, or with an upload's temporary file, is left alone")
    func incompleteDrops() async throws {
        let harness = try PipelineHarness()
        try harness.drop("fresh/numbers.txt", Self.numbers, age: 0)
        try harness.drop("fresh/message.txt", "Halo", age: 0)
        try harness.drop("uploading/numbers.txt", Self.numbers)
        try harness.drop("uploading/message.txt", "Halo")
        try harness.drop("uploading/.promo.jpg.Ab12Cd", "partial")
        let scanner = DropScanner(inbox: harness.path("inbox"), configuration: harness.configuration.watch)
        #expect(scanner.scan().isEmpty)
        // Once quiet and complete, both are taken.
        for file in ["fresh/numbers.txt", "fresh/message.txt", "fresh"] { try harness.backdate(harness.path("inbox/\(file)"), by: 5) }
        try FileManager.default.removeItem(atPath: harness.path("inbox/uploading/.promo.jpg.Ab12Cd"))
        try harness.backdate(harness.path("inbox/uploading"), by: 5)
        #expect(scanner.scan().count == 2)
    }

    @Test("loose files wait for both the numbers and the message")
    func looseFiles() async throws {
        let harness = try PipelineHarness()
        try harness.drop("numbers.txt", Self.numbers)
        _ = try await harness.runOnce()
        #expect(try await harness.campaigns().isEmpty)
        #expect(FileManager.default.fileExists(atPath: harness.path("inbox/numbers.txt")))
        try harness.drop("message.txt", "Halo {name|Kak}")
        _ = try await harness.runOnce()
        let campaigns = try await harness.campaigns()
        #expect(campaigns.count == 1)
        #expect(campaigns.first?.name.hasPrefix("kampanye-") == true)
        #expect(campaigns.first?.state == .done)
    }

    @Test("refused drops stay in inbox/failed with errors.txt explaining why", arguments: [
        ("missing message", "there is no message"),
        ("symlink", "shortcut (symbolic link)"),
        ("fifo", "not a regular file"),
        ("subfolder", "is a folder"),
        ("bad campaign.yaml", "campaign.yaml:2:10: 'send_at' must look like"),
    ])
    func refusals(kind: String, expected: String) async throws {
        var harness = try PipelineHarness()
        harness.configuration.watch.incompleteSeconds = 2  // a drop missing its message is refused after this
        try harness.drop("bad/numbers.txt", Self.numbers)
        if kind != "missing message" { try harness.drop("bad/message.txt", "Halo") }
        switch kind {
        case "symlink": try FileManager.default.createSymbolicLink(atPath: harness.path("inbox/bad/promo.jpg"), withDestinationPath: "/etc/hostname")
        case "fifo": #expect(mkfifo(harness.path("inbox/bad/pipe"), 0o644) == 0)
        case "subfolder": try harness.drop("bad/extra/notes.txt", "x")
        case "bad campaign.yaml": try harness.drop("bad/campaign.yaml", "name: promo\nsend_at: besok pagi\n")
        default: break
        }
        try harness.backdate(harness.path("inbox/bad"), by: 5)
        try await Task.sleep(for: .milliseconds(400))  // past the quiet period for what cannot be backdated
        _ = try await harness.runOnce()
        #expect(try await harness.campaigns().isEmpty)
        let errors = try String(contentsOfFile: harness.path("outbox/bad/errors.txt"), encoding: .utf8)
        #expect(errors.contains(expected), "\(errors)")
        #expect(FileManager.default.fileExists(atPath: harness.path("inbox/failed/bad/numbers.txt")))
    }

    @Test("the same content dropped again is reported as a duplicate and not sent; resend: true sends it",
          arguments: TestDatabaseKind.allCases)
    func duplicates(database: TestDatabaseKind) async throws {
        let harness = try await PipelineHarness(database)
        try harness.drop("first/numbers.txt", Self.numbers)
        try harness.drop("first/message.txt", "Halo")
        _ = try await harness.runOnce()
        try harness.drop("second/numbers.txt", Self.numbers)
        try harness.drop("second/message.txt", "Halo")
        _ = try await harness.runOnce()
        #expect(try await harness.campaigns().count == 1)
        #expect(try String(contentsOfFile: harness.path("outbox/second/errors.txt"), encoding: .utf8).contains("already taken"))
        try harness.drop("third/numbers.txt", Self.numbers)
        try harness.drop("third/message.txt", "Halo")
        try harness.drop("third/campaign.yaml", "resend: true\n")
        _ = try await harness.runOnce()
        #expect(try await harness.campaigns().count == 2)
    }

    @Test("a campaign scheduled for later is held; --once leaves it queued", arguments: TestDatabaseKind.allCases)
    func scheduled(database: TestDatabaseKind) async throws {
        let harness = try await PipelineHarness(database)
        try harness.drop("later/numbers.txt", Self.numbers)
        try harness.drop("later/message.txt", "Halo")
        try harness.drop("later/campaign.yaml", "send_at: 2099-01-01 09:00\ntimezone: Asia/Jakarta\n")
        _ = try await harness.runOnce()
        let campaign = try #require(try await harness.campaigns().first)
        #expect(campaign.state == .scheduled)
        #expect(campaign.sendAt == ISO8601DateFormatter().date(from: "2099-01-01T02:00:00Z"))
        #expect(try harness.dryRunLines(campaign).isEmpty)
    }

    @Test("approval: required holds the campaign until APPROVE appears")
    func approval() async throws {
        var harness = try PipelineHarness()
        harness.configuration.sending.approval = .required
        try harness.drop("gated/numbers.txt", Self.numbers)
        try harness.drop("gated/message.txt", "Halo")
        _ = try await harness.runOnce()
        var campaign = try #require(try await harness.campaigns().first)
        #expect(campaign.state == .waitingApproval)
        #expect(FileManager.default.fileExists(atPath: harness.path("outbox/\(campaign.folderName)/preview.txt")))
        try "".write(toFile: harness.path("outbox/\(campaign.folderName)/APPROVE"), atomically: true, encoding: .utf8)
        _ = try await harness.runOnce()
        campaign = try #require(try await harness.campaigns().first)
        #expect(campaign.state == .done)
    }

    @Test("CANCEL stops sending and writes a partial report; opted-out numbers get nothing")
    func cancelAndOptOut() async throws {
        let harness = try PipelineHarness()
        try await harness.database.addOptOut(phone: "6281311223344", source: "test")
        try harness.drop("c/numbers.txt", Self.numbers)
        try harness.drop("c/message.txt", "Halo")
        _ = try await harness.runOnce()
        let campaign = try #require(try await harness.campaigns().first)
        // The opted-out number was refused already while reading the list.
        #expect(try harness.dryRunLines(campaign).map { $0["to"] as? String } == ["6281234567890"])
        #expect(try String(contentsOfFile: harness.path("outbox/\(campaign.folderName)/rejected.csv"), encoding: .utf8).contains("opted-out"))
    }

    @Test("campaign.yaml errors name the line and column")
    func campaignOptions() throws {
        #expect(throws: CampaignOptions.Problem(line: 3, column: 1, message: "unknown key 'sesi'; expected one of: name, send_at, timezone, sessions, delay, variants, template, approval, priority, resend, engagement_guard, segment, ab_test, send_time",
                                                indonesian: "kunci 'sesi' tidak dikenal; yang ada: name, send_at, timezone, sessions, delay, variants, template, approval, priority, resend, engagement_guard, segment, ab_test, send_time")) {
            try CampaignOptions.parse("name: a\npriority: 2\nsesi: [utama]\n", defaultTimeZone: "Asia/Jakarta")
        }
        let options = try CampaignOptions.parse("delay: {min: 1, max: 2}\nvariants: [\"A {name|Kak}\", \"B\"]\npriority: 5\n", defaultTimeZone: "Asia/Jakarta")
        #expect(options.delayMinimum == 1 && options.delayMaximum == 2 && options.variants?.count == 2 && options.priority == 5)
    }
}

@Suite("Pipeline: how drops arrive")
struct DropArrivalTests {
    @Test("a file written slowly in chunks, for longer than the quiet period, is taken only once finished")
    func slowChunkedWrite() async throws {
        var harness = try PipelineHarness()
        harness.configuration.watch.quietSeconds = 1.5  // generous, so a loaded machine does not flake
        try harness.drop("lambat/message.txt", "Halo")
        let path = harness.path("inbox/lambat/numbers.txt")
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        let scanner = DropScanner(inbox: harness.path("inbox"), configuration: harness.configuration.watch)
        // Plain thread sleeps on a thread of their own: the timing must not depend on how busy the
        // test runner's task pool is, and the pool's threads stay free for other tests.
        let (whileWriting, afterwards) = try await offThePool {
            var found: [Int] = []
            for i in 0..<8 {  // 8 × 0.25 s = 2 s of writing, longer than the 1.5 s quiet period
                handle.write(Data("62813\(String(format: "%08d", i))\n".utf8))
                usleep(250_000)
                found.append(scanner.scan().count)
            }
            try handle.close()
            usleep(1_700_000)
            return (found, scanner.scan().count)
        }
        #expect(whileWriting == Array(repeating: 0, count: 8), "taken while still being written")
        #expect(afterwards == 1)
    }

    @Test("rsync style: a temporary name, then a rename into place")
    func rsyncRename() async throws {
        let harness = try PipelineHarness()
        try harness.drop("feed/message.txt", "Halo")
        try harness.drop("feed/.numbers.txt.Xq81Zz", "6281311223344\n")
        let scanner = DropScanner(inbox: harness.path("inbox"), configuration: harness.configuration.watch)
        try harness.backdate(harness.path("inbox/feed"), by: 5)
        #expect(scanner.scan().isEmpty)
        #expect(rename(harness.path("inbox/feed/.numbers.txt.Xq81Zz"), harness.path("inbox/feed/numbers.txt")) == 0)
        #expect(scanner.scan().isEmpty, "the rename just happened: still within the quiet period")
        _ = try await offThePool { usleep(450_000) }
        let findings = scanner.scan()
        #expect(findings.count == 1)
        if case .ready(let drop)? = findings.first { #expect(drop.contactsFile?.hasSuffix("numbers.txt") == true) }
    }

    @Test("READY marker mode waits for the marker")
    func readyMarker() async throws {
        var harness = try PipelineHarness()
        harness.configuration.watch.requireReadyMarker = true
        try harness.drop("m/numbers.txt", "6281311223344\n")
        try harness.drop("m/message.txt", "Halo")
        try harness.backdate(harness.path("inbox/m"), by: 5)
        let scanner = DropScanner(inbox: harness.path("inbox"), configuration: harness.configuration.watch)
        #expect(scanner.scan().isEmpty)
        try harness.drop("m/READY", "")
        try harness.backdate(harness.path("inbox/m"), by: 5)
        #expect(scanner.scan().count == 1)
    }
}
