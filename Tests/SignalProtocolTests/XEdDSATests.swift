import Crypto
import Foundation
import Testing
@testable import SignalProtocol

/// XEdDSA verification against references that share no code with ours: libsignal's own test
/// vector, and swift-crypto's Ed25519 for the Montgomery → Edwards conversion it rests on.
@Suite("XEdDSA")
struct XEdDSATests {
    static func bytes(_ hex: String) -> Data { KeyDerivationTests.hex(hex) }

    /// libsignal's `Curve25519Test.testSignature` (also python-axolotl's `test_sigs.py`): Alice's
    /// identity key signed her ephemeral key.
    @Test("libsignal's signature test vector verifies, and fails with any bit flipped")
    func libsignalVector() throws {
        let identity = try PublicKey(serialized: Self.bytes("05ab7e717d4a163b7d9a1d8071dfe9dcf8cdcd1cea3339b6356be84d887e322c64"))
        let message = Self.bytes("05edce9d9c415ca78cb7252e72c2c4a554d3eb29485a0e1d503118d1a82d99fb4a")
        let signature = Self.bytes("5de88ca9a89b4a115da79109c67c9c7464a3e4180274f1cb8c63c2984e286dfbede82deb9dcd9fae0bfbb821569b3d9001bd8130cd11d486cef047bd60b86e88")
        #expect(XEdDSA.verify(publicKey: identity, message: message, signature: signature))
        for bit in [0, 255, 256, 511] {
            var bad = signature
            bad[bit / 8] ^= UInt8(1 << (bit % 8))
            #expect(!XEdDSA.verify(publicKey: identity, message: message, signature: bad), "bit \(bit)")
        }
        var otherMessage = message
        otherMessage[5] ^= 1
        #expect(!XEdDSA.verify(publicKey: identity, message: otherMessage, signature: signature))
    }

    /// An Ed25519 key and the X25519 key of the same secret are one point in two coordinates:
    /// converting the X25519 public key must give the Ed25519 public key (sign bit aside).
    @Test("the Montgomery → Edwards conversion gives swift-crypto's Ed25519 public key for the same secret")
    func conversionMatchesEd25519() throws {
        for _ in 0..<200 {
            let seed = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
            var expected = [UInt8](try Curve25519.Signing.PrivateKey(rawRepresentation: seed).publicKey.rawRepresentation)
            expected[31] &= 0x7F
            // Ed25519's secret scalar is the first half of SHA-512(seed); X25519 clamps it the same way.
            let scalar = Data(SHA512.hash(data: seed)).prefix(32)
            let montgomery = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: scalar).publicKey.rawRepresentation
            #expect(XEdDSA.edwardsY(montgomery: try PublicKey(raw: montgomery)) == expected)
        }
    }

    @Test("field arithmetic reduces values between p and 2^256 and inverts edge values")
    func fieldEdges() {
        // p − 1, p, p + 1 and 2^255 − 1: the canonical forms are p − 1, 0, 1 and 18.
        func element(low: UInt8) -> FieldElement {
            FieldElement(littleEndian: [low] + [UInt8](repeating: 0xFF, count: 30) + [0x7F])
        }
        func value(_ n: UInt8) -> [UInt8] { [n] + [UInt8](repeating: 0, count: 31) }
        #expect(element(low: 0xED).littleEndianBytes == value(0))
        #expect(element(low: 0xEE).littleEndianBytes == value(1))
        #expect(element(low: 0xFF).littleEndianBytes == value(18))
        let minusOne = element(low: 0xEC)
        #expect((minusOne * minusOne).littleEndianBytes == value(1))
        #expect(minusOne.inverse().littleEndianBytes == minusOne.littleEndianBytes)
        #expect((minusOne + .one).littleEndianBytes == value(0))
        #expect((FieldElement.zero - .one).littleEndianBytes == minusOne.littleEndianBytes)
        #expect(FieldElement.zero.inverse().littleEndianBytes == value(0))
        // 2 · 2^-1 = 1 for a value above p.
        let two = element(low: 0xEF)
        #expect((two * two.inverse()).littleEndianBytes == value(1))
    }
}
