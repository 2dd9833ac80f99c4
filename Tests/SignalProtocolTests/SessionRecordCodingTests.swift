import Foundation
@testable import SignalProtocol
import Testing

@Suite("Session records in binary form")
struct SessionRecordCodingTests {
    @Test("a record with skipped keys, a pending prekey and archived states comes back byte for byte, from binary or from an older version's JSON, and still opens the skipped messages")
    func roundTrip() async throws {
        let alice = await SessionTests.Party(name: "alice", peer: "bob")
        let bob = await SessionTests.Party(name: "bob", peer: "alice")
        try await alice.cipher.processBundle(bob.bundle)
        var sent: [CiphertextMessage] = []
        for index in 0..<3 { sent.append(try await alice.cipher.encrypt(Data("m\(index)".utf8))) }
        #expect(try await bob.decrypt(sent[2]) == Data("m2".utf8))

        let aliceAddress = SignalAddress(name: "alice", deviceId: 1), bobAddress = SignalAddress(name: "bob", deviceId: 1)
        var records = [try #require(await bob.store.session(for: aliceAddress)), try #require(await alice.store.session(for: bobAddress))]
        var archived = records[1]
        archived.archiveCurrentSession()
        records.append(archived)
        #expect(records[0].current?.receiverChains.first?.skipped.count == 2, "bob skipped m0 and m1")
        #expect(records[1].current?.pendingPreKey != nil, "alice has had no answer yet")
        for record in records {
            let binary = try record.serialized()
            let json = try JSONEncoder().encode(record)
            #expect(try SessionRecord(serialized: binary).serialized() == binary)
            #expect(try SessionRecord(serialized: json).serialized() == binary, "an older version's JSON reads as the same record")
            #expect(binary.count * 2 < json.count, "\(binary.count) bytes against \(json.count) as JSON")
            #expect(throws: SignalError.self) { try SessionRecord(serialized: binary.dropLast()) }
        }

        // Bob's record read back from its bytes still holds the keys of the messages he skipped.
        await bob.store.storeSession(try SessionRecord(serialized: try records[0].serialized()), for: aliceAddress)
        #expect(try await bob.decrypt(sent[0]) == Data("m0".utf8))
        #expect(try await bob.decrypt(sent[1]) == Data("m1".utf8))
    }
}
