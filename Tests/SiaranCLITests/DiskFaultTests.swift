import Foundation
import SiaranTestSupport
import Testing

/// The disks under `state/` and `outbox/` fill, or `outbox/` turns read-only, while the real
/// daemon sends a dry-run campaign: it stays up, says why it waits, keeps a drop that arrives
/// meanwhile, resumes by itself once the space is back and sends nothing twice.
///
/// Each disk is a small tmpfs mounted by the test (root only: CI runs the suite as root; elsewhere
/// the tests are skipped and say so). The campaigns are small and paced at about 40 messages a
/// second, so the fault lands in the middle of the first one.
@Suite("Disk faults survived by the daemon", .serialized,
       .enabled(if: ScratchFileSystem.isAvailable, "\(ScratchFileSystem.unavailableReason)"))
struct DiskFaultTests {
    static let firstPhones = FaultInstallation.phones(300, seed: 1)
    static let laterPhones = FaultInstallation.phones(100, seed: 2)

    @Test("state/ fills during a send: the campaign waits saying 'disk full', a new drop waits in inbox/, both finish once after space returns",
          .timeLimit(.minutes(6)))
    func stateDiskFull() async throws {
        let site = try FaultInstallation("state-full")
        defer { site.remove() }
        let disk = try ScratchFileSystem(at: site.state.path, kilobytes: 16 * 1024)
        defer { disk.unmount() }
        try site.drop("promo", phones: Self.firstPhones)
        let daemon = try site.start()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }

        #expect(await eventually(timeout: .seconds(120)) { site.sent(in: "promo").count >= 20 }, "sending started: \(site.tail())")
        try disk.fill()
        try site.drop("susulan", phones: Self.laterPhones)
        #expect(await eventually(timeout: .seconds(120)) {
            (site.status("promo")["waiting"] as? String)?.contains("disk full") == true
        }, "status.json says why: \(site.status("promo")) \(site.tail())")
        #expect(site.log().contains("campaign waits: disk full"), "\(site.tail())")
        #expect(await eventually(timeout: .seconds(60)) { site.log().contains("drop=susulan") && site.log().contains("stays in inbox/") },
                "the new drop was tried and kept: \(site.tail())")
        // Whole in inbox/, or taken whole: the daemon frees a little space now and then (a
        // temporary file removed, the database's journal trimmed), and a retry may fit in it.
        let waitsOrTaken = FileManager.default.fileExists(atPath: site.inbox.appendingPathComponent("susulan/numbers.txt").path)
            || site.log().split(separator: "\n").contains { $0.contains("drop taken") && $0.contains("drop=susulan") }
        #expect(waitsOrTaken, "the new drop waits in inbox/ or was taken whole: \(site.tail())")
        #expect(daemon.isRunning, "the daemon stays up on a full disk")
        let beforeSpace = site.sent(in: "promo").count
        #expect(beforeSpace < Self.firstPhones.count, "the disk filled in the middle of the campaign")

        disk.drain()
        let freed = ContinuousClock.now
        #expect(await eventually(timeout: .seconds(180)) { site.sent(in: "promo").count > beforeSpace }, "sending resumed: \(site.tail())")
        print("DiskFaultTests.stateDiskFull: sending resumed \(ContinuousClock.now - freed) after the space came back")
        #expect(await eventually(timeout: .seconds(180)) {
            site.status("promo")["state"] as? String == "done" && site.status("susulan")["state"] as? String == "done"
        }, "both finished: \(site.status("promo")) \(site.status("susulan")) \(site.tail())")
        #expect(site.status("promo")["waiting"] == nil, "the waiting note is gone once sending resumed")
        #expect(!FileManager.default.fileExists(atPath: site.inbox.appendingPathComponent("susulan").path), "the drop was taken from inbox/")
        site.expectExactlyOnce(Self.firstPhones, in: "promo")
        site.expectExactlyOnce(Self.laterPhones, in: "susulan")
        #expect(site.status("susulan")["failed"] as? Int == 0 && site.status("promo")["failed"] as? Int == 0)
        daemon.terminate()
        await waitForExit(daemon)
    }

    @Test("outbox/ fills while reports are written: the daemon stays up and says 'disk full' on its console, no line of dry-run.jsonl is cut, all finish once",
          .timeLimit(.minutes(6)))
    func outboxDiskFull() async throws {
        let site = try FaultInstallation("outbox-full")
        defer { site.remove() }
        let disk = try ScratchFileSystem(at: site.outbox.path, kilobytes: 16 * 1024)
        defer { disk.unmount() }
        try site.drop("promo", phones: Self.firstPhones)
        let daemon = try site.start()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }

        #expect(await eventually(timeout: .seconds(120)) { site.sent(in: "promo").count >= 20 }, "sending started: \(site.tail())")
        try disk.fill()
        try site.drop("susulan", phones: Self.laterPhones)
        // logs.txt is on the full disk too: the console (a journal under systemd) still says it.
        #expect(await eventually(timeout: .seconds(120)) { site.consoleText().contains("campaign waits: disk full") }, "\(site.tail())")
        #expect(daemon.isRunning, "the daemon stays up when the outbox is full")
        let beforeSpace = site.sent(in: "promo").count
        #expect(beforeSpace < Self.firstPhones.count, "the disk filled in the middle of the campaign")

        disk.drain()
        let freed = ContinuousClock.now
        #expect(await eventually(timeout: .seconds(180)) { site.sent(in: "promo").count > beforeSpace }, "sending resumed: \(site.tail())")
        print("DiskFaultTests.outboxDiskFull: sending resumed \(ContinuousClock.now - freed) after the space came back")
        #expect(await eventually(timeout: .seconds(240)) {
            site.status("promo")["state"] as? String == "done" && site.status("susulan")["state"] as? String == "done"
        }, "both finished: \(site.status("promo")) \(site.status("susulan")) \(site.tail())")
        site.expectExactlyOnce(Self.firstPhones, in: "promo")
        site.expectExactlyOnce(Self.laterPhones, in: "susulan")
        for campaign in ["promo", "susulan"] {
            let lines = (try? String(contentsOf: site.outbox.appendingPathComponent("\(campaign)/dry-run.jsonl"), encoding: .utf8)) ?? ""
            #expect(lines.split(separator: "\n").count == site.sent(in: campaign).count, "\(campaign): every line of dry-run.jsonl is whole")
            // Reports the full disk refused are written again once there is room; that may come
            // a moment after the campaign says it is done.
            let report = site.outbox.appendingPathComponent("\(campaign)/report.pdf").path
            #expect(await eventually(timeout: .seconds(120)) { FileManager.default.fileExists(atPath: report) }, "\(campaign): reports written: \(site.tail())")
            #expect(site.status(campaign)["failed"] as? Int == 0, "\(campaign): no message given up")
        }
        daemon.terminate()
        await waitForExit(daemon)
    }

    @Test("outbox/ turns read-only: the campaign waits saying 'read-only file system', a new drop is kept, all finish once when it is writable again",
          .timeLimit(.minutes(6)))
    func outboxReadOnly() async throws {
        let site = try FaultInstallation("outbox-readonly")
        defer { site.remove() }
        try site.drop("promo", phones: Self.firstPhones)
        let daemon = try site.start()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }

        #expect(await eventually(timeout: .seconds(120)) { site.sent(in: "promo").count >= 20 }, "sending started: \(site.tail())")
        // A read-only view of outbox/ laid over it, as when a share is remounted read-only. (A
        // remount of the file system itself is refused while the daemon holds logs.txt open for
        // writing; the log it already holds open keeps working, which an operator would see too.)
        let readOnly = try await ScratchFileSystem(readOnlyViewOf: site.outbox.path)
        defer { readOnly.unmount() }
        try site.drop("susulan", phones: Self.laterPhones)
        #expect(await eventually(timeout: .seconds(120)) { site.log().contains("campaign waits: read-only file system") }, "\(site.tail())")
        #expect(daemon.isRunning, "the daemon stays up when the outbox is read-only")
        let beforeWritable = site.sent(in: "promo").count
        #expect(beforeWritable < Self.firstPhones.count, "the outbox turned read-only in the middle of the campaign")

        readOnly.unmount()
        let writable = ContinuousClock.now
        #expect(await eventually(timeout: .seconds(180)) { site.sent(in: "promo").count > beforeWritable }, "sending resumed: \(site.tail())")
        print("DiskFaultTests.outboxReadOnly: sending resumed \(ContinuousClock.now - writable) after the outbox was writable again")
        #expect(await eventually(timeout: .seconds(240)) {
            site.status("promo")["state"] as? String == "done" && site.status("susulan")["state"] as? String == "done"
        }, "both finished: \(site.status("promo")) \(site.status("susulan")) \(site.tail())")
        #expect(!FileManager.default.fileExists(atPath: site.inbox.appendingPathComponent("failed/susulan").path),
                "the drop that arrived meanwhile was not refused")
        site.expectExactlyOnce(Self.firstPhones, in: "promo")
        site.expectExactlyOnce(Self.laterPhones, in: "susulan")
        daemon.terminate()
        await waitForExit(daemon)
    }
}
