import Foundation
import PropertyBased
import Testing
@testable import SignalProtocol

/// Two Swift parties talking through the Double Ratchet.
@Suite("Signal sessions")
struct SessionTests {
    struct Party {
        let store: InMemorySignalStore
        let cipher: SessionCipher
        let bundle: PreKeyBundle

        init(name: String, peer: String) async {
            let identity = IdentityKeyPair.generate()
            store = InMemorySignalStore(identity: identity)
            let preKey = PreKeyRecord(id: 31, keyPair: .generate())
            let signed = SignedPreKeyRecord.generate(id: 5, identity: identity)
            await store.storePreKey(preKey)
            await store.storeSignedPreKey(signed)
            cipher = SessionCipher(store: store, address: SignalAddress(name: peer, deviceId: 1))
            bundle = PreKeyBundle(registrationId: identity.registrationId, deviceId: 1, preKeyId: preKey.id, preKey: preKey.keyPair.publicKey,
                                  signedPreKeyId: signed.id, signedPreKey: signed.keyPair.publicKey, signedPreKeySignature: signed.signature,
                                  identityKey: identity.keyPair.publicKey)
        }

        func decrypt(_ message: CiphertextMessage) async throws -> Data {
            message.kind == .preKey ? try await cipher.decrypt(preKey: message.serialized).plaintext : try await cipher.decrypt(whisper: message.serialized)
        }
    }

    @Test("signatures verify; any flipped bit fails")
    func signatures() {
        let pair = KeyPair.generate()
        let message = Data("05 signed prekey".utf8)
        let signature = pair.sign(message)
        #expect(XEdDSA.verify(publicKey: pair.publicKey, message: message, signature: signature))
        for bit in [0, 100, 300, 511] {
            var bad = signature
            bad[bit / 8] ^= UInt8(1 << (bit % 8))
            #expect(!XEdDSA.verify(publicKey: pair.publicKey, message: message, signature: bad))
        }
        #expect(!XEdDSA.verify(publicKey: pair.publicKey, message: message + Data([0]), signature: signature))
    }

    @Test("a conversation with prekey messages, replies and a ratchet on each turn", arguments: [true, false])
    func conversation(withOneTimePreKey: Bool) async throws {
        let alice = await Party(name: "alice", peer: "bob")
        let bob = await Party(name: "bob", peer: "alice")
        var bundle = bob.bundle
        if !withOneTimePreKey { bundle.preKeyId = nil; bundle.preKey = nil }
        try await alice.cipher.processBundle(bundle)
        let first = try await alice.cipher.encrypt(Data("Halo Bob".utf8))
        #expect(first.kind == .preKey)
        let second = try await alice.cipher.encrypt(Data("Promo!".utf8))
        #expect(try await bob.decrypt(first) == Data("Halo Bob".utf8))
        #expect(try await bob.decrypt(second) == Data("Promo!".utf8))
        #expect(await bob.store.preKey(id: 31) == nil || !withOneTimePreKey)
        let reply = try await bob.cipher.encrypt(Data("Berapa harganya?".utf8))
        #expect(reply.kind == .whisper)
        #expect(try await alice.decrypt(reply) == Data("Berapa harganya?".utf8))
        // Once Bob answered, Alice stops sending prekey messages.
        let third = try await alice.cipher.encrypt(Data("50 ribu".utf8))
        #expect(third.kind == .whisper)
        #expect(try await bob.decrypt(third) == Data("50 ribu".utf8))
    }

    @Test("out-of-order, dropped and duplicate messages")
    func outOfOrder() async throws {
        let alice = await Party(name: "alice", peer: "bob")
        let bob = await Party(name: "bob", peer: "alice")
        try await alice.cipher.processBundle(bob.bundle)
        var messages: [CiphertextMessage] = []
        for i in 0..<10 { messages.append(try await alice.cipher.encrypt(Data("m\(i)".utf8))) }
        for i in [3, 0, 9, 1, 2, 8, 4] {  // 5, 6, 7 never arrive
            #expect(try await bob.decrypt(messages[i]) == Data("m\(i)".utf8))
        }
        await #expect(throws: SignalError.self) { try await bob.decrypt(messages[3]) }  // duplicate
        #expect(try await bob.decrypt(messages[6]) == Data("m6".utf8))  // late but still fine
    }

    @Test("a message more than 2000 ahead is refused")
    func skipBound() async throws {
        let alice = await Party(name: "alice", peer: "bob")
        let bob = await Party(name: "bob", peer: "alice")
        try await alice.cipher.processBundle(bob.bundle)
        #expect(try await bob.decrypt(try await alice.cipher.encrypt(Data("first".utf8))) == Data("first".utf8))
        for _ in 0..<2002 { _ = try await alice.cipher.encrypt(Data("skipped".utf8)) }
        let far = try await alice.cipher.encrypt(Data("far".utf8))
        do {
            _ = try await bob.decrypt(far)
            Issue.record("expected tooFarIntoFuture")
        } catch let error as SignalError {
            #expect(error.code == .tooFarIntoFuture)
        }
    }

    @Test("tampering with the MAC or the ciphertext always fails")
    func tampering() async throws {
        await propertyCheck(count: 30, input: Gen.int(in: 0...10_000)) { seed in
            do {
                let alice = await Party(name: "alice", peer: "bob")
                let bob = await Party(name: "bob", peer: "alice")
                try await alice.cipher.processBundle(bob.bundle)
                _ = try await bob.decrypt(try await alice.cipher.encrypt(Data("hello".utf8)))
                _ = try await alice.decrypt(try await bob.cipher.encrypt(Data("reply".utf8)))
                let message = try await alice.cipher.encrypt(Data("secret \(seed)".utf8))
                var bad = message.serialized
                let index = 1 + seed % (bad.count - 1)
                bad[index] ^= UInt8(1 << (seed % 8))
                await #expect(throws: (any Error).self) { try await bob.cipher.decrypt(whisper: bad) }
                // The untouched message still decrypts: a failure changes no state.
                #expect(try await bob.decrypt(message) == Data("secret \(seed)".utf8))
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test("encrypt then decrypt gives back every plaintext")
    func identity() async throws {
        let alice = await Party(name: "alice", peer: "bob")
        let bob = await Party(name: "bob", peer: "alice")
        try await alice.cipher.processBundle(bob.bundle)
        await propertyCheck(count: 100, input: Gen.uint8(in: 0...255).array(of: 0...3000)) { bytes in
            do {
                let plaintext = Data(bytes)
                #expect(try await bob.decrypt(try await alice.cipher.encrypt(plaintext)) == plaintext)
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test("a peer that restarts its session is still understood, and old messages decrypt")
    func restartedSession() async throws {
        let alice = await Party(name: "alice", peer: "bob")
        let bob = await Party(name: "bob", peer: "alice")
        try await alice.cipher.processBundle(bob.bundle)
        _ = try await bob.decrypt(try await alice.cipher.encrypt(Data("one".utf8)))
        let late = try await alice.cipher.encrypt(Data("late".utf8))
        // Alice starts over (e.g. reinstalled): a new session from a fresh bundle.
        await bob.store.storePreKey(PreKeyRecord(id: 31, keyPair: .generate()))
        let fresh = PreKeyBundle(registrationId: bob.bundle.registrationId, deviceId: 1, preKeyId: nil, preKey: nil,
                                 signedPreKeyId: bob.bundle.signedPreKeyId, signedPreKey: bob.bundle.signedPreKey,
                                 signedPreKeySignature: bob.bundle.signedPreKeySignature, identityKey: bob.bundle.identityKey)
        try await alice.cipher.processBundle(fresh)
        #expect(try await bob.decrypt(try await alice.cipher.encrypt(Data("new session".utf8))) == Data("new session".utf8))
        #expect(try await bob.decrypt(late) == Data("late".utf8))  // from the archived session
    }

    @Test("an identity change is accepted and reported, or refused under the strict policy")
    func identityChange() async throws {
        let bob = await Party(name: "bob", peer: "alice")
        let address = SignalAddress(name: "alice", deviceId: 1)
        for policy in [IdentityTrustPolicy.acceptChanges, .refuseChanges] {
            let store = InMemorySignalStore()
            await store.saveIdentity(try PublicKey(raw: Data(repeating: 9, count: 32)), for: SignalAddress(name: "bob", deviceId: 1))
            let cipher = SessionCipher(store: store, address: SignalAddress(name: "bob", deviceId: 1), trustPolicy: policy)
            if policy == .acceptChanges {
                #expect(try await cipher.processBundle(bob.bundle))
            } else {
                await #expect(throws: SignalError(.untrustedIdentity, "the identity key of bob:1 changed")) {
                    try await cipher.processBundle(bob.bundle)
                }
            }
        }
        _ = address
    }

    @Test("a bundle whose signed prekey signature is wrong is refused")
    func badBundle() async throws {
        let bob = await Party(name: "bob", peer: "alice")
        var bundle = bob.bundle
        bundle.signedPreKeySignature[5] ^= 1
        let alice = await Party(name: "alice", peer: "bob")
        await #expect(throws: SignalError.self) { try await alice.cipher.processBundle(bundle) }
    }

    @Test("the file store keeps sessions across reopening, with private files")
    func fileStore() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("signal-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let bob = await Party(name: "bob", peer: "alice")
        let address = SignalAddress(name: "bob", deviceId: 1)
        do {
            let store = try FileSignalStore(folder: folder)
            try await SessionCipher(store: store, address: address).processBundle(bob.bundle)
            _ = try await bob.decrypt(try await SessionCipher(store: store, address: address).encrypt(Data("one".utf8)))
        }
        let reopened = try FileSignalStore(folder: folder)
        let message = try await SessionCipher(store: reopened, address: address).encrypt(Data("two".utf8))
        #expect(try await bob.decrypt(message) == Data("two".utf8))
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) {
            let mode = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(name)")
        }
        #expect(FileSignalStore.fileName(SignalAddress(name: "../x", deviceId: 2)) == "%2E%2E%2Fx.2")
    }
}
