import Foundation
import SignalProtocol

/// Session set-up (X3DH from a bundle, and the responder's first decrypt) and per-message
/// encrypt/decrypt cost of the Double Ratchet.
enum SignalBench {
    static func run(arguments: [String]) async throws {
        let sessions = 200
        var setUp = 0.0, firstDecrypt = 0.0
        for _ in 0..<sessions {
            let bobIdentity = IdentityKeyPair.generate()
            let bob = InMemorySignalStore(identity: bobIdentity)
            let signed = SignedPreKeyRecord.generate(id: 1, identity: bobIdentity)
            let preKey = PreKeyRecord(id: 1, keyPair: .generate())
            await bob.storeSignedPreKey(signed)
            await bob.storePreKey(preKey)
            let bundle = PreKeyBundle(registrationId: bobIdentity.registrationId, deviceId: 1, preKeyId: 1, preKey: preKey.keyPair.publicKey,
                                      signedPreKeyId: 1, signedPreKey: signed.keyPair.publicKey, signedPreKeySignature: signed.signature,
                                      identityKey: bobIdentity.keyPair.publicKey)
            let alice = SessionCipher(store: InMemorySignalStore(), address: SignalAddress(name: "bob", deviceId: 1))
            var message: CiphertextMessage?
            setUp += try await Bench.time {
                try await alice.processBundle(bundle)
                message = try await alice.encrypt(Data("halo".utf8))
            }
            let bobCipher = SessionCipher(store: bob, address: SignalAddress(name: "alice", deviceId: 1))
            firstDecrypt += try await Bench.time { _ = try await bobCipher.decrypt(preKey: message!.serialized) }
        }
        // Steady state: 10,000 messages of a typical campaign size (300 bytes) one way.
        let bobIdentity = IdentityKeyPair.generate()
        let bob = InMemorySignalStore(identity: bobIdentity)
        let signed = SignedPreKeyRecord.generate(id: 1, identity: bobIdentity)
        await bob.storeSignedPreKey(signed)
        let alice = SessionCipher(store: InMemorySignalStore(), address: SignalAddress(name: "bob", deviceId: 1))
        try await alice.processBundle(PreKeyBundle(registrationId: 1, deviceId: 1, preKeyId: nil, preKey: nil, signedPreKeyId: 1,
                                                   signedPreKey: signed.keyPair.publicKey, signedPreKeySignature: signed.signature,
                                                   identityKey: bobIdentity.keyPair.publicKey))
        let bobCipher = SessionCipher(store: bob, address: SignalAddress(name: "alice", deviceId: 1))
        _ = try await bobCipher.decrypt(preKey: try await alice.encrypt(Data("first".utf8)).serialized)
        _ = try await alice.decrypt(whisper: try await bobCipher.encrypt(Data("ack".utf8)).serialized)
        let payload = Data(repeating: 0x61, count: 300)
        let count = 10_000
        var ciphertexts: [Data] = []
        ciphertexts.reserveCapacity(count)
        let encrypt = try await Bench.time {
            for _ in 0..<count { ciphertexts.append(try await alice.encrypt(payload).serialized) }
        }
        let decrypt = try await Bench.time {
            for ciphertext in ciphertexts { _ = try await bobCipher.decrypt(whisper: ciphertext) }
        }
        print(String(format: "session set-up (bundle + first encrypt): %.3f ms; responder's first decrypt: %.3f ms (mean of %d)",
                     setUp / Double(sessions) * 1000, firstDecrypt / Double(sessions) * 1000, sessions))
        print(String(format: "encrypt: %.1f µs/message; decrypt: %.1f µs/message (%d messages of 300 bytes, in-memory store)",
                     encrypt / Double(count) * 1e6, decrypt / Double(count) * 1e6, count))
    }
}
