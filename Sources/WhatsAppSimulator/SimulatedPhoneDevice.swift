import Foundation
import SignalProtocol

/// A device the simulator plays on the other side (a recipient's phone, or the sender's own
/// phone): its own Signal keys and sessions, so it decrypts what clients send exactly as a real
/// device would and can answer.
struct SimulatedPhoneDevice: Sendable {
    let phone: String
    let deviceId: UInt16
    let store: InMemorySignalStore
    let signedPreKey: SignedPreKeyRecord
    let registrationId: UInt32
    /// Public halves of the one-time prekeys not yet handed out in a bundle.
    var unusedPreKeys: [PreKeyRecord]

    /// Device 0 of an account has the account key as its identity, as on the real service.
    static func make(phone: String, deviceId: UInt16, identityKey: KeyPair?) async -> SimulatedPhoneDevice {
        let identity = IdentityKeyPair(keyPair: identityKey ?? .generate(), registrationId: UInt32.random(in: 1...16380))
        let store = InMemorySignalStore(identity: identity)
        let signed = SignedPreKeyRecord.generate(id: 1, identity: identity)
        await store.storeSignedPreKey(signed)
        var preKeys: [PreKeyRecord] = []
        for id in 1...20 as ClosedRange<UInt32> {
            let record = PreKeyRecord(id: id, keyPair: .generate())
            await store.storePreKey(record)
            preKeys.append(record)
        }
        return SimulatedPhoneDevice(phone: phone, deviceId: deviceId, store: store, signedPreKey: signed,
                                    registrationId: identity.registrationId, unusedPreKeys: preKeys)
    }

    var identityKey: PublicKey {
        get async { await store.identityKeyPair().keyPair.publicKey }
    }
}
