import Foundation
@testable import SignalProtocol
import Testing

@Suite("Sessions kept in place in two slots")
struct RecordSlotsTests {
    func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("slots-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    func inode(_ url: URL) throws -> UInt64 {
        var info = stat()
        guard stat(url.path, &info) == 0 else { throw CocoaError(.fileNoSuchFile) }
        return UInt64(info.st_ino)
    }

    @Test("writes alternate between the slots of one file: same inode, same size, the newest copy read back")
    func alternates() throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("r.slots")
        #expect(try RecordSlots.read(url) == nil)
        var position = try RecordSlots.write(Data("first".utf8), to: url, after: nil)
        let made = try inode(url)
        for (index, text) in ["second", "third", "fourth"].enumerated() {
            let before = position
            position = try RecordSlots.write(Data(text.utf8), to: url, after: position)
            #expect(position.newestSlot != before.newestSlot && position.generation == before.generation + 1)
            let read = try #require(try RecordSlots.read(url))
            #expect(read.payload == Data(text.utf8) && read.position == position, "write \(index)")
        }
        #expect(try inode(url) == made, "rewritten in place, not renamed over")
        #expect(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int == 2 * RecordSlots.smallestSlot)
    }

    @Test("a write torn by a crash spoils only its own slot: the copy before it is read; both spoiled is an error")
    func tornSlot() throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("r.slots")
        let first = try RecordSlots.write(Data(repeating: 1, count: 300), to: url, after: nil)
        let second = try RecordSlots.write(Data(repeating: 2, count: 300), to: url, after: first)
        // Half of the newest copy's payload never reached the disk.
        let handle = try FileHandle(forUpdating: url)
        try handle.seek(toOffset: UInt64(second.newestSlot * second.slotSize + RecordSlots.headerSize + 150))
        try handle.write(contentsOf: Data(repeating: 0, count: 150))
        let read = try #require(try RecordSlots.read(url))
        #expect(read.payload == Data(repeating: 1, count: 300) && read.position.generation == first.generation)
        // The next write goes over the spoiled slot, not over the good copy.
        let third = try RecordSlots.write(Data(repeating: 3, count: 10), to: url, after: read.position)
        #expect(third.newestSlot == second.newestSlot)
        #expect(try RecordSlots.read(url)?.payload == Data(repeating: 3, count: 10))
        // Both slots spoiled: an error, never a silently missing record.
        try handle.seek(toOffset: 0)
        try handle.write(contentsOf: Data(repeating: 0xFF, count: 2 * third.slotSize))
        try handle.close()
        #expect(throws: CocoaError.self) { try RecordSlots.read(url) }
    }

    @Test("a record that outgrows its slot makes the file anew, twice as large")
    func grows() throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("r.slots")
        let small = try RecordSlots.write(Data(repeating: 7, count: 100), to: url, after: nil)
        let big = try RecordSlots.write(Data(repeating: 8, count: 5_000), to: url, after: small)
        #expect(big.slotSize == 2 * RecordSlots.smallestSlot && big.generation == small.generation + 1)
        #expect(try RecordSlots.read(url)?.payload == Data(repeating: 8, count: 5_000))
        let again = try RecordSlots.write(Data(repeating: 9, count: 6_000), to: url, after: big)
        #expect(again.slotSize == big.slotSize && again.newestSlot != big.newestSlot)
        #expect(try RecordSlots.read(url)?.payload == Data(repeating: 9, count: 6_000))
    }

    @Test("a session written by an older version as JSON is read, moved into slots at its next write, and listed once")
    func movesFromJSON() async throws {
        let folder = try folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bob = await SessionTests.Party(name: "bob", peer: "alice")
        let address = SignalAddress(name: "bob", deviceId: 1)
        let legacy = folder.appendingPathComponent("session-bob.1.json")
        do {
            let store = try FileSignalStore(folder: folder)
            try await SessionCipher(store: store, address: address).processBundle(bob.bundle)
            // As an older version left it: the record as JSON, no slots file.
            let record = try #require(try await store.session(for: address))
            try FileSignalStore.atomicWrite(try JSONEncoder().encode(record), to: legacy)
            try FileManager.default.removeItem(at: folder.appendingPathComponent("session-bob.1.slots"))
        }
        let store = try FileSignalStore(folder: folder)
        #expect(try await store.session(for: address)?.hasSession == true)
        #expect(await store.contents().sessions.count == 1)
        _ = try await bob.decrypt(try await SessionCipher(store: store, address: address).encrypt(Data("moved".utf8)))
        #expect(!FileManager.default.fileExists(atPath: legacy.path))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("session-bob.1.slots").path))
        let reopened = try FileSignalStore(folder: folder)
        #expect(await reopened.contents().sessions.map(\.0) == [address])
        #expect(try await bob.decrypt(try await SessionCipher(store: reopened, address: address).encrypt(Data("again".utf8))) == Data("again".utf8))
        try await reopened.deleteSession(for: address)
        #expect(try await reopened.session(for: address) == nil)
    }
}
