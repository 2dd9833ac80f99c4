import Foundation
import Testing
@testable import SignalProtocol

/// Known answers worked out from the specification (HMAC-SHA256 chain steps with seeds 0x01 and
/// 0x02; HKDF-SHA256 with the info strings WhisperMessageKeys/WhisperText/WhisperRatchet, protocol
/// brief §10.5) using Python's hmac and hashlib, independent of the code under test.
@Suite("Signal key derivation")
struct KeyDerivationTests {
    static func hex(_ text: String) -> Data {
        Data(stride(from: 0, to: text.count, by: 2).map { i in
            UInt8(text[text.index(text.startIndex, offsetBy: i)..<text.index(text.startIndex, offsetBy: i + 2)], radix: 16)!
        })
    }

    @Test("a chain key yields the message keys and next chain key of the spec")
    func chainStep() {
        let chain = ChainKey(key: Data(0..<32), index: 0)
        let keys = chain.messageKeys
        #expect(keys.cipherKey == Self.hex("86268814b41f5fd154659f26873660e3dbc8b205155c3b59b8570b015d773c0c"))
        #expect(keys.macKey == Self.hex("dea51fa5beca2618971c4292647b81e83f2b4edd03e0d292a87ec66e0163abdb"))
        #expect(keys.iv == Self.hex("21cfd5b9956a1631f6b7b5b5bdf7b791"))
        #expect(chain.next.key == Self.hex("4304c22c84a53755ab08ead8d97a8d429be5efa480682d7ad1da27f73e1fbe1d"))
        #expect(chain.next.index == 1)
    }

    @Test("the X3DH master secret gives the root and chain keys of the spec")
    func initialKeys() {
        let keys = KeyDerivation.initialKeys(Data(repeating: 0xFF, count: 32) + Data(repeating: 0x11, count: 96))
        #expect(keys.root == Self.hex("d590ae2e8d8d469e69f9c47ff9d59fd948455ce12dc0e581d5490c79b6fa93ee"))
        #expect(keys.chain == Self.hex("b8bee7d2b2244c6dbc99101c107f3381d060c3b5426a43fdda0af33190ac32d5"))
    }

    @Test("a ratchet step salts with the root key")
    func ratchetStep() {
        let keys = KeyDerivation.ratchet(root: Data(repeating: 0x22, count: 32), sharedSecret: Data(repeating: 0x33, count: 32))
        #expect(keys.root == Self.hex("8f03a01ad5b36391e48833034c52980d3fbd05dc6e62430f6b90c5c5696e1f13"))
        #expect(keys.chain == Self.hex("debb8cdd19d671accb7d7620e8ee6f0c5ddc29db4f548a0aec733bbc65a01c64"))
    }

    @Test("the field inverse multiplies back to one")
    func fieldInverse() {
        for seed in 1...20 {
            var bytes = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ seed &* 11) }
            bytes[31] &= 0x7F
            let x = FieldElement(littleEndian: bytes)
            #expect((x * x.inverse()).littleEndianBytes == FieldElement.one.littleEndianBytes)
        }
    }
}
