import Foundation
import SiaranTestSupport
import Testing

/// Faults outside the disks, each survived by the real daemon sending a small dry-run campaign:
/// another program holding the database's write lock, the daemon frozen and continued, and a
/// contact list still being written when its quiet period would end.
@Suite("Faults survived by the daemon", .serialized)
struct DaemonFaultTests {
    static let phones = FaultInstallation.phones(300, seed: 3)

    @Test("another process holds the SQLite write lock past the busy timeout: the campaign waits saying so and finishes once after it is released",
          .timeLimit(.minutes(5)))
    func lockedDatabase() async throws {
        let site = try FaultInstallation("locked")
        defer { site.remove() }
        try site.drop("promo", phones: Self.phones)
        let daemon = try site.start()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        #expect(await eventually(timeout: .seconds(120)) { site.sent(in: "promo").count >= 20 }, "sending started: \(site.tail())")

        // Another program (here Python's sqlite3) takes the write lock and keeps it past SQLite's
        // 10 s busy timeout, until the test has seen the campaign wait and closes its input (a
        // fixed hold ran out first on a busy machine).
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", "-c", """
            import sqlite3, sys, time
            db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
            db.execute("BEGIN IMMEDIATE")
            print("locked", flush=True)
            sys.stdin.readline()
            db.execute("ROLLBACK")
            """, site.state.appendingPathComponent("siaran.sqlite").path]
        let output = Pipe.closeOnExec(), input = Pipe.closeOnExec()
        holder.standardInput = input
        holder.standardOutput = output
        holder.standardError = FileHandle.nullDevice
        try holder.run()
        defer { if holder.isRunning { kill(holder.processIdentifier, SIGKILL) } }
        let said = try await offThePool { String(decoding: output.fileHandleForReading.availableData, as: UTF8.self) }
        #expect(said.contains("locked"), "the holder took the lock")

        #expect(await eventually(timeout: .seconds(60)) {
            (site.status("promo")["waiting"] as? String)?.contains("locked by another process") == true
        }, "status.json says why: \(site.status("promo")) \(site.tail())")
        #expect(site.log().contains("campaign waits: the database is locked by another process"), "\(site.tail())")
        #expect(holder.isRunning, "the lock was still held when the campaign said it waits")
        let whileLocked = site.sent(in: "promo").count
        #expect(whileLocked < Self.phones.count)

        try input.fileHandleForWriting.close()
        await waitForExit(holder)
        let released = ContinuousClock.now
        #expect(await eventually(timeout: .seconds(120)) { site.sent(in: "promo").count > whileLocked }, "sending resumed: \(site.tail())")
        print("DaemonFaultTests.lockedDatabase: sending resumed \(ContinuousClock.now - released) after the lock was released")
        #expect(await eventually(timeout: .seconds(120)) { site.status("promo")["state"] as? String == "done" }, "\(site.tail())")
        #expect(site.status("promo")["waiting"] == nil)
        #expect(daemon.isRunning)
        site.expectExactlyOnce(Self.phones, in: "promo")
        daemon.terminate()
        await waitForExit(daemon)
    }

    /// A full minute, as an operator's frozen VM or a `docker pause` would: longer than every timer
    /// the daemon keeps (the 30 s inbox rescan, the 30 s cache of link dates, status every second),
    /// so each of them is overdue when it wakes.
    @Test("the daemon frozen with SIGSTOP for a minute and continued: sending goes on, a drop made meanwhile is taken, nothing twice",
          .timeLimit(.minutes(5)))
    func frozen() async throws {
        let site = try FaultInstallation("frozen")
        defer { site.remove() }
        try site.drop("promo", phones: Self.phones)
        let daemon = try site.start()
        defer {
            if daemon.isRunning {
                kill(daemon.processIdentifier, SIGCONT)
                kill(daemon.processIdentifier, SIGKILL)
            }
        }
        #expect(await eventually(timeout: .seconds(120)) { site.sent(in: "promo").count >= 20 }, "sending started: \(site.tail())")
        kill(daemon.processIdentifier, SIGSTOP)
        let frozenAt = site.sent(in: "promo").count
        let later = FaultInstallation.phones(50, seed: 4)
        try site.drop("susulan", phones: later)
        try await Task.sleep(for: .seconds(60))  // the fault itself: a minute frozen
        #expect(site.sent(in: "promo").count == frozenAt, "nothing is sent while frozen")
        kill(daemon.processIdentifier, SIGCONT)

        #expect(await eventually(timeout: .seconds(180)) {
            site.status("promo")["state"] as? String == "done" && site.status("susulan")["state"] as? String == "done"
        }, "both finished: \(site.status("promo")) \(site.status("susulan")) \(site.tail())")
        #expect(daemon.isRunning)
        site.expectExactlyOnce(Self.phones, in: "promo", repeats: 0)
        site.expectExactlyOnce(later, in: "susulan", repeats: 0)
        daemon.terminate()
        await waitForExit(daemon)
    }

    /// Writes `numbers.txt` into `inbox/<name>/` in two halves with a pause of 15 quiet periods
    /// between them; `closing` closes the file during the pause (a script appending twice), else
    /// the writer keeps it open (a stalled upload).
    private func growingDrop(_ site: FaultInstallation, _ name: String, phones: [String], closing: Bool, ready: Bool) async throws {
        let folder = site.inbox.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "Halo {name|Kak}, promo!".write(to: folder.appendingPathComponent("message.txt"), atomically: true, encoding: .utf8)
        let file = folder.appendingPathComponent("numbers.txt")
        let half = phones.count / 2
        let first = Data((phones[..<half].joined(separator: "\n") + "\n").utf8)
        let second = Data((phones[half...].joined(separator: "\n") + "\n").utf8)
        try await offThePool {
            FileManager.default.createFile(atPath: file.path, contents: nil)
            var handle = try FileHandle(forWritingTo: file)
            try handle.write(contentsOf: first)
            if closing { try handle.close() }
            Thread.sleep(forTimeInterval: 3)  // the writer's pause, the fault itself
            if closing {
                handle = try FileHandle(forWritingTo: file)
                try handle.seekToEnd()
            }
            try handle.write(contentsOf: second)
            try handle.close()
        }
        if ready { try "".write(to: folder.appendingPathComponent("READY"), atomically: true, encoding: .utf8) }
    }

    @Test("numbers.txt still open and growing when the quiet period ends is not taken half-written", .timeLimit(.minutes(3)))
    func growingOpenFile() async throws {
        let site = try FaultInstallation("growing")
        defer { site.remove() }
        let daemon = try site.start()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        #expect(await eventually(timeout: .seconds(60)) { site.log().contains("watching inbox") }, "\(site.tail())")
        let phones = FaultInstallation.phones(100, seed: 5)
        try await growingDrop(site, "tumbuh", phones: phones, closing: false, ready: false)
        #expect(await eventually(timeout: .seconds(120)) { site.status("tumbuh")["state"] as? String == "done" }, "\(site.tail())")
        #expect(site.status("tumbuh")["total"] as? Int == phones.count, "every number of the finished file: \(site.status("tumbuh"))")
        site.expectExactlyOnce(phones, in: "tumbuh", repeats: 0)
        daemon.terminate()
        await waitForExit(daemon)
    }

    @Test("with ready_marker, numbers.txt written in two goes (closed between them) is taken whole once READY appears", .timeLimit(.minutes(3)))
    func growingWithReadyMarker() async throws {
        let site = try FaultInstallation("growing-ready", settings: [("ready_marker: false", "ready_marker: true")])
        defer { site.remove() }
        let daemon = try site.start()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        #expect(await eventually(timeout: .seconds(60)) { site.log().contains("watching inbox") }, "\(site.tail())")
        let phones = FaultInstallation.phones(100, seed: 6)
        try await growingDrop(site, "tumbuh", phones: phones, closing: true, ready: true)
        #expect(await eventually(timeout: .seconds(120)) { site.status("tumbuh")["state"] as? String == "done" }, "\(site.tail())")
        #expect(site.status("tumbuh")["total"] as? Int == phones.count, "every number of the finished file: \(site.status("tumbuh"))")
        site.expectExactlyOnce(phones, in: "tumbuh", repeats: 0)
        daemon.terminate()
        await waitForExit(daemon)
    }
}
