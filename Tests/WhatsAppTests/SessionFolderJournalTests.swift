import Foundation
import Testing
@testable import WhatsApp

/// The contact directory of a session folder: a snapshot plus an append-only journal of the
/// records that changed, replayed at open, folded into the snapshot now and then.
@Suite("Session folder: the contact journal")
struct SessionFolderJournalTests {
    static func root() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("siaran-journal-\(UUID().uuidString)")
    }

    static func lid(_ phone: String, _ lid: String) -> ContactRecord {
        ContactRecord(kind: .lid, key: phone, value: try! JSONEncoder().encode(lid))
    }

    static func directory(_ folder: SessionFolder) async throws -> ContactDirectory {
        ContactDirectory(records: try await folder.loadContactRecords())
    }

    @Test("changes are appended to the journal, not the whole directory, and a reopened folder replays them")
    func replay() async throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = try SessionFolder(root: root, name: "utama")
        var directory = ContactDirectory()
        directory.learn(phone: "6281200000001", lid: "100000000000001")
        directory.devices["100000000000001@lid"] = [0, 3]
        directory.tokensIssued["100000000000001"] = 1_700_000_000
        let first = directory.takeChanges()
        #expect(first.map(\.kind) == [.lid, .devices, .tokenIssued])
        try await folder.saveContactRecords(first)
        // A second change writes one line: the record that changed, nothing else.
        directory.devices["100000000000001@lid"] = nil
        let second = directory.takeChanges()
        #expect(second == [ContactRecord(kind: .devices, key: "100000000000001@lid", value: nil)])
        try await folder.saveContactRecords(second)
        #expect(directory.takeChanges().isEmpty)

        let journal = try String(contentsOf: folder.url.appendingPathComponent(ContactJournal.journalName), encoding: .utf8)
        #expect(journal.split(separator: "\n").count == 4)
        #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent(ContactJournal.snapshotName).path))

        let reopened = try await Self.directory(try SessionFolder(root: root, name: "utama"))
        #expect(reopened.lidByPhone["6281200000001"] == "100000000000001")
        #expect(reopened.phone(forLID: "100000000000001") == "6281200000001")
        #expect(reopened.devices["100000000000001@lid"] == nil)
        #expect(reopened.tokensIssued["100000000000001"] == 1_700_000_000)
    }

    @Test("a torn last line (a crash mid-append) is ignored, and appends after it replay")
    func tornLine() async throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = try SessionFolder(root: root, name: "utama")
        try await folder.saveContactRecords([Self.lid("6281200000001", "1001"), Self.lid("6281200000002", "1002")])
        let journal = folder.url.appendingPathComponent(ContactJournal.journalName)
        let handle = try FileHandle(forWritingTo: journal)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"kind":"lid","key":"6281200000003","val"#.utf8))
        try handle.close()

        let reopened = try SessionFolder(root: root, name: "utama")
        #expect(await reopened.contacts.skippedLines == 1)
        let directory = try await Self.directory(reopened)
        #expect(directory.lidByPhone.count == 2)
        #expect(directory.lidByPhone["6281200000003"] == nil)
        // The torn line was folded away, so the next append starts a clean line.
        try await reopened.saveContactRecords([Self.lid("6281200000004", "1004")])
        let again = try SessionFolder(root: root, name: "utama")
        #expect(await again.contacts.skippedLines == 0)
        #expect(try await Self.directory(again).lidByPhone.count == 3)
    }

    @Test("the journal is folded into contacts.json once it outgrows it; nothing is lost")
    func compaction() async throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = try SessionFolder(root: root, name: "utama")
        let journal = folder.url.appendingPathComponent(ContactJournal.journalName)
        var largestJournal = 0
        for index in 0..<1_200 {
            try await folder.saveContactRecords([Self.lid(String(6_281_200_000_000 + index), String(1_000_000 + index))])
            let size = (try FileManager.default.attributesOfItem(atPath: journal.path)[.size] as? Int) ?? 0
            largestJournal = max(largestJournal, size)
        }
        let snapshot = try Data(contentsOf: folder.url.appendingPathComponent(ContactJournal.snapshotName))
        // 1,200 lines of ~80 bytes (past the 64 KB threshold) were written; the journal never held more than the threshold or the snapshot.
        #expect(largestJournal <= max(snapshot.count, ContactJournal.minimumCompaction) + 200)
        #expect(try JSONDecoder().decode(ContactDirectory.self, from: snapshot).lidByPhone.count > 500)
        let reopened = try await Self.directory(try SessionFolder(root: root, name: "utama"))
        #expect(reopened.lidByPhone.count == 1_200)
        #expect(reopened.lidByPhone["6281200001199"] == "1001199")
    }

    @Test("a folder from before the journal (contacts.json only) opens with its contacts")
    func legacyFolder() async throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(at: root) }
        let url = root.appendingPathComponent("lama")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let legacy = """
            {"lidByPhone":{"6281200000001":"1001"},"numberChecks":{"6281200000009":{"registered":false,"checkedAt":700000000}},
             "devices":{"1001@lid":[0,2]},"privacyTokens":{"1001":{"token":"AQID","timestamp":1700000000}},"tokensIssued":{}}
            """
        try Data(legacy.utf8).write(to: url.appendingPathComponent("contacts.json"))
        let folder = try SessionFolder(root: root, name: "lama")
        let directory = try await Self.directory(folder)
        #expect(directory.lidByPhone["6281200000001"] == "1001")
        #expect(directory.phone(forLID: "1001") == "6281200000001")
        #expect(directory.numberChecks["6281200000009"]?.registered == false)
        #expect(directory.devices["1001@lid"] == [0, 2])
        #expect(directory.privacyTokens["1001"]?.token == Data([1, 2, 3]))
        // It keeps working incrementally from there, and the snapshot keeps its old layout.
        try await folder.saveContactRecords([Self.lid("6281200000002", "1002")])
        try await folder.contacts.compact()
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url.appendingPathComponent("contacts.json"))) as? [String: Any]
        #expect((object?["lidByPhone"] as? [String: String]) == ["6281200000001": "1001", "6281200000002": "1002"])
    }

    @Test("sent messages, reach-out limits and credentials round-trip; removeAll deletes the folder")
    func otherState() async throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = try SessionFolder(root: root, name: "utama")
        #expect(try await folder.storedCredentials() == nil)
        let credentials = try await folder.loadCredentials()
        #expect(try await folder.storedCredentials()?.noiseKey.publicKey == credentials.noiseKey.publicKey)
        #expect(try await folder.signalStore.signedPreKey(id: credentials.signedPreKeyId) != nil)
        let message = SentMessageRecord(id: "3EB0AA", chat: "1001@lid", phone: "6281200000001", message: Data([9]), sentAt: Date())
        try await folder.saveSentMessage(message)
        #expect(try await folder.sentMessage(id: "3EB0AA") == message)
        try await folder.pruneSentMessages(before: Date().addingTimeInterval(60))
        #expect(try await folder.sentMessage(id: "3EB0AA") == nil)
        try await folder.saveReachOut(Data("{}".utf8))
        #expect(try await folder.loadReachOut() == Data("{}".utf8))
        try await folder.removeAll()
        #expect(!FileManager.default.fileExists(atPath: folder.url.path))
    }

    static func sent(_ id: String, at date: Date = Date()) -> SentMessageRecord {
        SentMessageRecord(id: id, chat: "1001@lid", phone: "6281200000001", message: Data(id.utf8), sentAt: date)
    }

    @Test("sent messages go to one journal per day, not a file each; found by id, a torn last line skipped and ended before the next append")
    func sentJournal() async throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = try SessionFolder(root: root, name: "utama")
        for n in 1...50 { try await folder.saveSentMessage(Self.sent("3EB0\(n)")) }
        let sentFolder = folder.url.appendingPathComponent("sent")
        let files = try FileManager.default.contentsOfDirectory(atPath: sentFolder.path)
        #expect(files == [SentMessageJournal.dayName(Date()) + ".journal"], "one file for the day: \(files)")
        #expect(try await folder.sentMessage(id: "3EB01") == Self.sent("3EB01").withSentAt(of: try await folder.sentMessage(id: "3EB01")))
        #expect(try await folder.sentMessage(id: "3EB050")?.message == Data("3EB050".utf8))
        #expect(try await folder.sentMessage(id: "3EB05")?.message == Data("3EB05".utf8), "an id that is the start of another is not confused with it")
        #expect(try await folder.sentMessage(id: "3EB0999") == nil)

        // A crash tore the last line: it is skipped, and the next message is whole on a line of its own.
        let journal = sentFolder.appendingPathComponent(files[0])
        let handle = try FileHandle(forWritingTo: journal)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"id":"3EB0TORN","chat":"10"#.utf8))
        try handle.close()
        try await folder.saveSentMessage(Self.sent("3EB0AFTER"))
        #expect(try await folder.sentMessage(id: "3EB0TORN") == nil)
        #expect(try await folder.sentMessage(id: "3EB0AFTER")?.message == Data("3EB0AFTER".utf8))
        #expect(folder.allSentMessages().count == 51)

        // A folder from before keeps its per-message files: read, copied and pruned as before.
        let old = Self.sent("3EB0OLD")
        try JSONEncoder().encode(old).write(to: sentFolder.appendingPathComponent("3EB0OLD.json"))
        #expect(try await folder.sentMessage(id: "3EB0OLD")?.message == old.message)
        #expect(folder.allSentMessages().count == 52)
        try await folder.pruneSentMessages(before: Date().addingTimeInterval(-3_600))
        #expect(folder.allSentMessages().count == 52, "nothing older than an hour")
        try await folder.pruneSentMessages(before: Date().addingTimeInterval(60))
        #expect(folder.allSentMessages().isEmpty)
    }
}

extension SentMessageRecord {
    /// The same record with `other`'s send time (JSON keeps dates to the millisecond or so).
    func withSentAt(of other: SentMessageRecord?) -> SentMessageRecord {
        var copy = self
        if let other { copy.sentAt = other.sentAt }
        return copy
    }
}
