import Crypto
import CryptoExtras
import Foundation
import SignalProtocol
import WABinary

/// A companion's request to link by phone-number code (protocol brief §4.2), waiting for the
/// code to be typed on the phone.
struct CodeRequest: Sendable {
    var connection: Int
    var ref: Data
    var wrappedCompanionEphemeral: Data
    var noiseKey: Data
    /// Set once the code was typed: the phone's ephemeral key, to open the companion's bundle.
    var primaryEphemeral: KeyPair?
    /// The code as typed on the phone.
    var code: String?
}

extension WhatsAppSimulator {
    func handleCodePairing(_ reg: Node, id: String, connection: Int) async throws {
        guard let phone = reg.jid("jid")?.user else { throw SimulatorError("link_code_companion_reg without jid") }
        switch reg.string("stage") {
        case "companion_hello":
            guard accounts[phone] != nil, let wrapped = reg.childBytes("link_code_pairing_wrapped_companion_ephemeral_pub"), wrapped.count == 80,
                  let noise = reg.childBytes("companion_server_auth_key_pub"), noise.count == 32,
                  registrations.values.contains(where: { $0.connection == connection && $0.noiseKey.raw == noise }) else {
                try await send(.iqError(id: id, code: 400, text: "bad-request"), to: connection)
                record(.refused("companion_hello for \(phone) is malformed or not from the registering connection"))
                return
            }
            let ref = Data((0..<20).map { _ in UInt8.random(in: 0...255) })
            codeRequests[phone] = CodeRequest(connection: connection, ref: ref, wrappedCompanionEphemeral: wrapped, noiseKey: noise)
            try await send(.iq(id: id, type: "result", children: [
                Node("link_code_companion_reg", content: .nodes([Node("link_code_pairing_ref", content: .bytes([UInt8](ref)))])),
            ]), to: connection)
            record(.pairingCodeRequested(phone: phone))
        case "companion_finish":
            guard var request = codeRequests[phone], request.connection == connection, let primaryEphemeral = request.primaryEphemeral,
                  reg.childBytes("link_code_pairing_ref") == request.ref,
                  let bundle = reg.childBytes("link_code_pairing_wrapped_key_bundle"), bundle.count == 156,
                  let companionIdentity = reg.childBytes("companion_identity_public"),
                  var registration = registrations.values.first(where: { $0.connection == connection }),
                  companionIdentity == registration.identity.raw, let account = accounts[phone] else {
                try await send(.iqError(id: id, code: 400, text: "bad-request"), to: connection)
                record(.refused("companion_finish for \(phone) does not match the request"))
                return
            }
            // The phone opens the companion's key bundle: only a companion that wrapped its key
            // with the same code derives the same shared secret.
            do {
                let companionEphemeral = try Self.unwrap(request.wrappedCompanionEphemeral, code: request.code ?? "")
                let shared = try primaryEphemeral.sharedSecret(with: try PublicKey(raw: companionEphemeral))
                let salt = bundle.prefix(32), nonce = bundle.subdata(in: 32..<44), sealed = bundle.subdata(in: 44..<156)
                let key = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: shared), salt: salt,
                                                 info: Data("link_code_pairing_key_bundle_encryption_key".utf8), outputByteCount: 32)
                let plain = try AES.GCM.open(try AES.GCM.SealedBox(nonce: .init(data: nonce), ciphertext: sealed.prefix(96), tag: sealed.suffix(16)), using: key)
                guard plain.prefix(32) == registration.identity.raw, plain.subdata(in: 32..<64) == account.accountKey.publicKey.raw else {
                    throw SimulatorError("the key bundle names other identities")
                }
                let identityShared = try account.accountKey.sharedSecret(with: registration.identity)
                let adv = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: shared + identityShared + plain.subdata(in: 64..<96)),
                                                 info: Data("adv_secret".utf8), outputByteCount: 32)
                registration.advSecret = adv.withUnsafeBytes { Data($0) }
            } catch {
                try await send(.iqError(id: id, code: 401, text: "not-authorized"), to: connection)
                record(.refused("pairing code for \(phone) failed: \(error)"))
                codeRequests[phone] = nil
                return
            }
            request.primaryEphemeral = nil
            codeRequests[phone] = nil
            try await send(.iq(id: id, type: "result"), to: connection)
            try await sendPairSuccess(registration: registration, phone: phone)
        default:
            try await send(.iqError(id: id, code: 400, text: "bad-request"), to: connection)
        }
    }

    /// The user types `code` (with or without the dash) on the phone of `phone`.
    public func enterPairingCode(_ code: String, phone: String) async throws {
        guard var request = codeRequests[phone], let account = accounts[phone] else {
            throw SimulatorError("no pairing-code request for \(phone)")
        }
        let plainCode = code.replacingOccurrences(of: "-", with: "").uppercased()
        request.code = plainCode
        let ephemeral = KeyPair.generate()
        request.primaryEphemeral = ephemeral
        codeRequests[phone] = request
        let notification = Node("notification", [("from", .jid(.serverJID)), ("id", .string(requestID())), ("type", .string("link_code_companion_reg")),
                                                  ("t", .string(String(Int(Date().timeIntervalSince1970))))], content: .nodes([
            Node("link_code_companion_reg", [("stage", .string("primary_hello"))], content: .nodes([
                Node("link_code_pairing_ref", content: .bytes([UInt8](request.ref))),
                Node("primary_identity_pub", content: .bytes([UInt8](account.accountKey.publicKey.raw))),
                Node("link_code_pairing_wrapped_primary_ephemeral_pub", content: .bytes([UInt8](try Self.wrap(ephemeral.publicKey.raw, code: plainCode)))),
            ])),
        ]))
        try await send(notification, to: request.connection)
    }

    static func codeKey(_ code: String, salt: Data) throws -> SymmetricKey {
        try KDF.Insecure.PBKDF2.deriveKey(from: Data(code.utf8), salt: salt, using: .sha256, outputByteCount: 32, unsafeUncheckedRounds: 2 << 16)
    }

    static func wrap(_ key: Data, code: String) throws -> Data {
        let salt = Data((0..<32).map { _ in UInt8.random(in: 0...255) }), iv = Data((0..<16).map { _ in UInt8.random(in: 0...255) })
        return salt + iv + (try AES._CTR.encrypt(key, using: codeKey(code, salt: salt), nonce: .init(nonceBytes: iv)))
    }

    static func unwrap(_ wrapped: Data, code: String) throws -> Data {
        let bytes = Data(wrapped)
        return try AES._CTR.decrypt(bytes.subdata(in: 48..<80), using: codeKey(code, salt: bytes.prefix(32)), nonce: .init(nonceBytes: bytes.subdata(in: 32..<48)))
    }
}
