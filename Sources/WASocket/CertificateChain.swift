public import Foundation
public import SignalProtocol
import WAProto

/// Verifies the certificate chain the server sends inside its Noise handshake (protocol brief
/// §1.4), in whatsmeow's order, against a configurable root key.
public struct CertificateChainVerifier: Sendable {
    /// WhatsApp's long-term root key ("WhatsAppLongTerm1", serial 0).
    public static let whatsAppRootKey = try! PublicKey(raw: Data([
        0x14, 0x23, 0x75, 0x57, 0x4D, 0x0A, 0x58, 0x71, 0x66, 0xAA, 0xE7, 0x1E, 0xBE, 0x51, 0x64, 0x37,
        0xC4, 0xA2, 0x8B, 0x73, 0xE3, 0x69, 0x5C, 0x6C, 0xE1, 0xF7, 0xF9, 0x54, 0x5D, 0xA8, 0xEE, 0x6B,
    ]))

    public let rootKey: PublicKey

    public init(rootKey: PublicKey = Self.whatsAppRootKey) {
        self.rootKey = rootKey
    }

    /// Checks `chainBytes` (a serialized `CertChain`) and that its leaf certifies `serverStatic`.
    public func verify(_ chainBytes: Data, serverStatic: PublicKey, now: Date = Date()) throws(NoiseError) {
        func fail(_ reason: String) -> NoiseError { NoiseError(.certificateInvalid(reason)) }
        guard let chain = try? WACert_CertChain(serializedBytes: chainBytes) else { throw fail("not a certificate chain") }
        let intermediate = chain.intermediate, leaf = chain.leaf
        guard !intermediate.details.isEmpty, !leaf.details.isEmpty, intermediate.signature.count == 64, leaf.signature.count == 64 else {
            throw fail("a certificate lacks details or a 64-byte signature")
        }
        guard XEdDSA.verify(publicKey: rootKey, message: intermediate.details, signature: intermediate.signature) else {
            throw fail("the intermediate certificate is not signed by the root key")
        }
        guard let intermediateDetails = try? WACert_CertChain.NoiseCertificate.Details(serializedBytes: intermediate.details),
              intermediateDetails.issuerSerial == 0, intermediateDetails.key.count == 32,
              let intermediateKey = try? PublicKey(raw: intermediateDetails.key) else {
            throw fail("the intermediate certificate's details are invalid")
        }
        guard XEdDSA.verify(publicKey: intermediateKey, message: leaf.details, signature: leaf.signature) else {
            throw fail("the leaf certificate is not signed by the intermediate key")
        }
        let seconds = UInt64(max(0, now.timeIntervalSince1970))
        guard intermediateDetails.notBefore <= seconds, seconds <= intermediateDetails.notAfter else {
            throw fail("the intermediate certificate is not valid now")
        }
        guard let leafDetails = try? WACert_CertChain.NoiseCertificate.Details(serializedBytes: leaf.details),
              leafDetails.issuerSerial == intermediateDetails.serial else {
            throw fail("the leaf certificate was not issued by the intermediate")
        }
        guard Self.constantTimeEqual(leafDetails.key, serverStatic.raw) else {
            throw fail("the leaf certificate is for another key than the server's static key")
        }
        guard leafDetails.notBefore <= seconds, seconds <= leafDetails.notAfter else {
            throw fail("the leaf certificate is not valid now")
        }
    }

    static func constantTimeEqual(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Issues certificate chains for a server we run ourselves (the simulator and tests), signed
/// like WhatsApp's: root → intermediate → leaf for the server's static key.
public struct CertificateAuthority: Sendable {
    public let root: KeyPair
    public let intermediate: KeyPair
    public let intermediateSerial: UInt32

    public init(root: KeyPair = .generate(), intermediate: KeyPair = .generate(), intermediateSerial: UInt32 = 1) {
        self.root = root
        self.intermediate = intermediate
        self.intermediateSerial = intermediateSerial
    }

    /// A chain whose leaf certifies `serverStatic`, valid for `validity` around now.
    public func chain(for serverStatic: PublicKey, now: Date = Date(), validity: TimeInterval = 86_400 * 365) -> Data {
        let from = UInt64(now.timeIntervalSince1970 - 3600), until = UInt64(now.timeIntervalSince1970 + validity)
        var intermediateDetails = WACert_CertChain.NoiseCertificate.Details()
        intermediateDetails.serial = intermediateSerial
        intermediateDetails.issuerSerial = 0
        intermediateDetails.key = intermediate.publicKey.raw
        intermediateDetails.notBefore = from
        intermediateDetails.notAfter = until
        var leafDetails = WACert_CertChain.NoiseCertificate.Details()
        leafDetails.serial = intermediateSerial + 1
        leafDetails.issuerSerial = intermediateSerial
        leafDetails.key = serverStatic.raw
        leafDetails.notBefore = from
        leafDetails.notAfter = until
        var chain = WACert_CertChain()
        chain.intermediate.details = try! intermediateDetails.serializedData()
        chain.intermediate.signature = root.sign(chain.intermediate.details)
        chain.leaf.details = try! leafDetails.serializedData()
        chain.leaf.signature = intermediate.sign(chain.leaf.details)
        return try! chain.serializedData()
    }
}
