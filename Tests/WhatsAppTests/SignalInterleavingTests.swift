import Foundation
import SiaranTestSupport
import SignalProtocol
import Testing
import Transport
@testable import WhatsApp
import WhatsAppSimulator

/// A Signal store whose every read and write first waits a random moment (0–200 µs): the gaps in
/// which a second operation on the same address could slip in between a ratchet's read and its
/// write become wide, so a missing lock shows at once instead of once in a while.
struct JitteryStore: SignalStore {
    let inner: InMemorySignalStore

    private func jitter() async { try? await Task.sleep(for: .microseconds(Int.random(in: 0...200))) }

    func identityKeyPair() async throws -> IdentityKeyPair { await jitter(); return await inner.identityKeyPair() }
    func identity(for address: SignalAddress) async throws -> PublicKey? { await jitter(); return await inner.identity(for: address) }
    @discardableResult
    func saveIdentity(_ key: PublicKey, for address: SignalAddress) async throws -> Bool { await jitter(); return await inner.saveIdentity(key, for: address) }
    func preKey(id: UInt32) async throws -> PreKeyRecord? { await jitter(); return await inner.preKey(id: id) }
    func storePreKey(_ record: PreKeyRecord) async throws { await jitter(); await inner.storePreKey(record) }
    func removePreKey(id: UInt32) async throws { await jitter(); await inner.removePreKey(id: id) }
    func signedPreKey(id: UInt32) async throws -> SignedPreKeyRecord? { await jitter(); return await inner.signedPreKey(id: id) }
    func storeSignedPreKey(_ record: SignedPreKeyRecord) async throws { await jitter(); await inner.storeSignedPreKey(record) }
    func session(for address: SignalAddress) async throws -> SessionRecord? { await jitter(); return await inner.session(for: address) }
    func storeSession(_ record: SessionRecord, for address: SignalAddress) async throws { await jitter(); await inner.storeSession(record, for: address) }
    func deleteSession(for address: SignalAddress) async throws { await jitter(); await inner.deleteSession(for: address) }
}

/// Sends, incoming messages and retry answers for one contact device, interleaved at random as the
/// session's tasks interleave them, with every Signal operation taken through the session's
/// per-address locks (`SignalOperationLocks`). The other side is python-axolotl, an independent
/// port of libsignal: it must decrypt every message, and its messages must decrypt here.
@Suite("Signal operations interleaved against python-axolotl")
struct SignalInterleavingTests {
    static let operations = 1_000
    /// Operations in flight at once (each Python call holds a thread while it waits).
    static let window = 8

    enum Operation: CaseIterable { case send, incoming, retry }

    /// Counts what happened, for the failure message and the final checks.
    actor Tally {
        var done: [Operation: Int] = [:]
        var failures: [String] = []
        func count(_ operation: Operation) { done[operation, default: 0] += 1 }
        func fail(_ text: String) { failures.append(text) }
    }

    static func pythonBundle(_ peer: PythonPeer) async throws -> PreKeyBundle {
        // Without a one-time prekey: retries ask for a bundle again and again, and the peer has five.
        let b = try await peer.call(["op": "bundle", "one_time": false])
        return PreKeyBundle(
            registrationId: UInt32(try #require(b["registration_id"] as? Int)), deviceId: 1, preKeyId: nil, preKey: nil,
            signedPreKeyId: UInt32(try #require(b["signed_pre_key_id"] as? Int)),
            signedPreKey: try PublicKey(serialized: try #require(Data(base64: b["signed_pre_key"]))),
            signedPreKeySignature: try #require(Data(base64: b["signature"])),
            identityKey: try PublicKey(serialized: try #require(Data(base64: b["identity_key"]))))
    }

    @Test("a thousand sends, incoming messages and retry answers at random on one address: every message decrypts on both sides, and they still talk afterwards",
          .timeLimit(.minutes(5)))
    func interleaved() async throws {
        let peer = try PythonPeer(script: "Tests/SignalProtocolTests/Interop/axolotl_peer.py")
        let store = JitteryStore(inner: InMemorySignalStore())
        let locks = SignalOperationLocks()
        let address = SignalAddress(name: "python", deviceId: 1)
        let cipher = SessionCipher(store: store, address: address)
        let first = try await Self.pythonBundle(peer)
        try await locks.withLock(address) { _ = try await cipher.processBundle(first) }
        // The contact can write only once our first message gave it a session.
        let hello = try await cipher.encrypt(Data("halo".utf8))
        let heard = try await peer.call(["op": "decrypt", "type": hello.kind.rawValue, "data": hello.serialized.base64EncodedString()])
        #expect(Data(base64: heard["plaintext"]) == Data("halo".utf8))
        let tally = Tally()

        /// What the client does for each kind, each Signal step alone on the address.
        @Sendable func run(_ operation: Operation, _ n: Int) async {
            do {
                try await Task.sleep(for: .microseconds(Int.random(in: 0...500)))
                switch operation {
                case .send, .retry:
                    if operation == .retry {
                        // A retry receipt carries the device's keys: the session is built again
                        // from them, then the stored message is encrypted once more.
                        let bundle = try await Self.pythonBundle(peer)
                        try await locks.withLock(address) { _ = try await cipher.processBundle(bundle) }
                    }
                    let text = "\(operation)-\(n)"
                    let message = try await locks.withLock(address) { try await cipher.encrypt(Data(text.utf8)) }
                    let reply = try await peer.call(["op": "decrypt", "type": message.kind.rawValue, "data": message.serialized.base64EncodedString()])
                    if Data(base64: reply["plaintext"]) != Data(text.utf8) { await tally.fail("python read \(text) wrong") }
                case .incoming:
                    let text = "incoming-\(n)"
                    let reply = try await peer.call(["op": "encrypt", "plaintext": Data(text.utf8).base64EncodedString()])
                    let data = try #require(Data(base64: reply["data"]))
                    let plain = try await locks.withLock(address) {
                        reply["type"] as? String == "pkmsg" ? try await cipher.decrypt(preKey: data).plaintext : try await cipher.decrypt(whisper: data)
                    }
                    if plain != Data(text.utf8) { await tally.fail("\(text) read wrong") }
                }
                await tally.count(operation)
            } catch {
                await tally.fail("\(operation)-\(n): \(error)")
            }
        }

        // Retries are rarer than sends and incoming messages, as in the field.
        let plan: [Operation] = (0..<Self.operations).map { _ in
            switch Int.random(in: 0..<20) { case 0: .retry; case 1...9: .send; default: .incoming }
        }
        await withTaskGroup(of: Void.self) { group in
            for (n, operation) in plan.enumerated() {
                if n >= Self.window { await group.next() }
                group.addTask { await run(operation, n) }
            }
        }
        let failures = await tally.failures
        #expect(failures.isEmpty, "\(failures.count) failed, first: \(failures.prefix(5))")
        #expect(await tally.done.values.reduce(0, +) == Self.operations)
        #expect(locks.heldCount == 0)

        // Afterwards both sides still talk: three each way, in order.
        for n in 0..<3 {
            let text = "after-\(n)"
            let message = try await locks.withLock(address) { try await cipher.encrypt(Data(text.utf8)) }
            let reply = try await peer.call(["op": "decrypt", "type": message.kind.rawValue, "data": message.serialized.base64EncodedString()])
            #expect(Data(base64: reply["plaintext"]) == Data(text.utf8))
            let back = try await peer.call(["op": "encrypt", "plaintext": Data("balas-\(n)".utf8).base64EncodedString()])
            let data = try #require(Data(base64: back["data"]))
            let plain = try await locks.withLock(address) {
                back["type"] as? String == "pkmsg" ? try await cipher.decrypt(preKey: data).plaintext : try await cipher.decrypt(whisper: data)
            }
            #expect(plain == Data("balas-\(n)".utf8))
        }
    }
}

private extension Data {
    init?(base64 value: Any?) {
        guard let text = value as? String else { return nil }
        self.init(base64Encoded: text)
    }
}

/// The same storm end to end: a linked session and a simulated phone, with the session's own
/// tasks doing the interleaving — sends fanning out, the phone's messages decrypted as they arrive,
/// retry receipts from the phone answered by building a new session and encrypting again.
@Suite("Signal operations interleaved through the simulator", .serialized)
struct SignalInterleavingSimulatorTests {
    static let us = "6281100000001"
    static let contact = "6281200000002"

    /// Which sends went, which retries were asked, what failed.
    actor Tally {
        var sent: [String] = []
        var incoming: [String] = []
        var retried = 0
        var failures: [String] = []
        func sent(_ id: String) { sent.append(id) }
        func incoming(_ text: String) { incoming.append(text) }
        func retried(_ asked: Bool) { if asked { retried += 1 } }
        func fail(_ text: String) { failures.append(text) }
        func anySent() -> String? { sent.randomElement() }
    }

    @Test("a thousand sends, incoming messages and retry receipts at random: every copy decrypts on the phone, every message from it here, nothing is reset",
          .timeLimit(.minutes(8)))
    func interleaved() async throws {
        let harness = try await SessionHarness(accounts: [SimulatedAccount(phone: Self.us), SimulatedAccount(phone: Self.contact)])
        let session = try await harness.linkedSession(phone: Self.us)
        let tally = Tally()
        let plan: [SignalInterleavingTests.Operation] = (0..<SignalInterleavingTests.operations).map { _ in
            switch Int.random(in: 0..<20) { case 0: .retry; case 1...9: .send; default: .incoming }
        }
        await withTaskGroup(of: Void.self) { group in
            for (n, operation) in plan.enumerated() {
                if n >= SignalInterleavingTests.window { await group.next() }
                group.addTask {
                    try? await Task.sleep(for: .microseconds(Int.random(in: 0...500)))
                    switch operation {
                    case .send:
                        let id = SessionHarness.messageID()
                        let result = await session.send(OutgoingMessage(id: id, phone: Self.contact, text: "kirim-\(n)", session: "utama", campaignId: "c1"))
                        if case .sent = result { await tally.sent(id) } else { await tally.fail("send-\(n): \(result)") }
                    case .incoming:
                        await harness.simulator.sendText("masuk-\(n)", from: Self.contact, to: Self.us)
                        await tally.incoming("masuk-\(n)")
                    case .retry:
                        if let id = await tally.anySent() {
                            await tally.retried(await harness.simulator.askForRetry(messageId: id, phone: Self.contact))
                        }
                    }
                }
            }
        }
        let failures = await tally.failures
        #expect(failures.isEmpty, "\(failures.count) failed, first: \(failures.prefix(5))")
        // Every message reached the phone's device and decrypted there.
        let sent = Set(await tally.sent)
        let decryptedAll = await eventually(timeout: .seconds(120)) {
            let decrypted = Set(await harness.simulator.decryptedMessages.filter { $0.recipientPhone == Self.contact }.map(\.messageId))
            return sent.isSubset(of: decrypted)
        }
        #expect(decryptedAll, "copies that never decrypted on the phone")
        // Every message the phone wrote decrypted here.
        let written = Set(await tally.incoming)
        let readAll = await eventually(timeout: .seconds(120)) {
            let texts = await harness.recorder.events.compactMap { event -> String? in
                if case .incoming(let phone, _, let text, _) = event, phone == Self.contact { text } else { nil }
            }
            return written.isSubset(of: Set(texts))
        }
        #expect(readAll, "messages from the phone that never decrypted here")
        let refusals = await harness.simulator.refusals
        #expect(refusals.isEmpty, "\(refusals.prefix(5))")
        #expect(await session.sessionResets == 0, "no session was reset for failing to decrypt")
        #expect(await tally.retried > 0)
        // Afterwards they still talk.
        let last = SessionHarness.messageID()
        guard case .sent = await session.send(OutgoingMessage(id: last, phone: Self.contact, text: "akhir", session: "utama", campaignId: "c1")) else {
            Issue.record("the last send failed"); return
        }
        #expect(await eventually { await harness.simulator.decryptedMessages.contains { $0.messageId == last } })
        await harness.close(session)
    }
}
