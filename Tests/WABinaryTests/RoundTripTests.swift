import PropertyBased
import Testing
@testable import WABinary

/// Random nodes survive encode → decode; random and mutated bytes never crash the decoder.
@Suite("Binary node round trips and robustness")
struct RoundTripTests {
    /// Builds a random node from a seed, covering every value kind the encoder can write.
    struct NodeFactory {
        var random: SeededGenerator

        init(seed: UInt64) { random = SeededGenerator(seed: seed) }

        mutating func string() -> String {
            switch Int.random(in: 0..<6, using: &random) {
            case 0: return Tokens.singleByte[Int.random(in: 1..<236, using: &random)]
            case 1: return Tokens.doubleByte[Int.random(in: 0..<4, using: &random)][Int.random(in: 0..<256, using: &random)]
            case 2: return String((0..<Int.random(in: 1...40, using: &random)).map { _ in "0123456789-.".randomElement(using: &random)! })
            case 3: return String((0..<Int.random(in: 1...40, using: &random)).map { _ in "0123456789ABCDEF".randomElement(using: &random)! })
            case 4: return String((0..<Int.random(in: 1...300, using: &random)).map { _ in "abcxyz ÄéĞ😀_:/@".randomElement(using: &random)! })
            default: return "n" + String(Int.random(in: 0...1_000_000, using: &random))
            }
        }

        mutating func jid() -> JID {
            let user = String(Int.random(in: 1_000_000...99_999_999_999, using: &random))
            switch Int.random(in: 0..<6, using: &random) {
            case 0: return JID(user: user, server: JID.Server.user)
            case 1: return JID(user: user, server: JID.Server.user, device: UInt16.random(in: 1...255, using: &random))
            case 2: return JID(user: user, server: JID.Server.lid, device: UInt16.random(in: 0...255, using: &random))
            case 3: return JID(user: user, server: JID.Server.messenger, device: UInt16.random(in: 0...65535, using: &random))
            case 4: return JID(user: user, server: JID.Server.hosted, device: UInt16.random(in: 0...255, using: &random))
            default: return JID(user: "", server: JID.Server.group)
            }
        }

        mutating func node(depth: Int = 0) -> Node {
            var attributes: [(key: String, value: Node.AttributeValue)] = []
            for _ in 0..<Int.random(in: 0...5, using: &random) {
                attributes.append((string(), Bool.random(using: &random) ? .string(string()) : .jid(jid())))
            }
            let content: Node.Content
            switch Int.random(in: 0..<(depth < 4 ? 5 : 4), using: &random) {
            case 0: content = .none
            case 1: content = .bytes((0..<Int.random(in: 0...600, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) })
            case 2: content = .string(string())
            case 3: content = .jid(jid())
            default: content = .nodes((0..<Int.random(in: 0...4, using: &random)).map { _ in node(depth: depth + 1) })
            }
            return Node(string(), attributes, content: content)
        }
    }

    /// What decoding gives back: raw strings come back as bytes, as in whatsmeow and Baileys.
    static func expected(_ node: Node) -> Node {
        var copy = node
        switch node.content {
        case .string(let s) where TokenIndex.shared.lookup[s] == nil && !isPacked(s):
            copy.content = .bytes(Array(s.utf8))
        case .nodes(let children):
            copy.content = .nodes(children.map(expected))
        default:
            break
        }
        return copy
    }

    static func isPacked(_ s: String) -> Bool {
        let utf8 = Array(s.utf8)
        return !utf8.isEmpty && utf8.count <= 127 && (utf8.allSatisfy(Packing.isNibble) || utf8.allSatisfy(Packing.isHex))
    }

    @Test("random nodes round-trip through encode and decode")
    func roundTrip() async {
        await propertyCheck(count: 500, input: Gen.int(in: 0...Int.max)) { seed in
            var factory = NodeFactory(seed: UInt64(seed))
            let node = factory.node()
            do {
                let frame = try BinaryEncoder().encodeFrame(node)
                let decoded = try BinaryDecoder().decodeFrame(frame)
                #expect(decoded == Self.expected(node))
                // Encoding what was decoded gives the same bytes again.
                #expect(try BinaryEncoder().encodeFrame(decoded) == frame)
            } catch {
                Issue.record("seed \(seed): \(error)")
            }
        }
    }

    @Test("100,000 random and mutated frames give a node or a typed error, never a crash or hang")
    func fuzz() throws {
        var random = SeededGenerator(seed: 20261125)
        var factory = NodeFactory(seed: 7)
        let seeds = try (0..<64).map { _ in try BinaryEncoder().encodeFrame(factory.node()) }
        let decoder = BinaryDecoder()
        var decoded = 0, refused = 0
        let start = ContinuousClock.now
        for round in 0..<100_000 {
            var frame: [UInt8]
            if round % 4 == 0 {
                frame = (0..<Int.random(in: 0...64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            } else {
                frame = seeds[round % seeds.count]
                for _ in 0..<Int.random(in: 1...4, using: &random) where !frame.isEmpty {
                    let i = Int.random(in: 0..<frame.count, using: &random)
                    switch Int.random(in: 0..<3, using: &random) {
                    case 0: frame[i] = UInt8.random(in: 0...255, using: &random)
                    case 1: frame.removeSubrange(i...)
                    default: frame.insert(UInt8.random(in: 0...255, using: &random), at: i)
                    }
                }
                if round % 7 == 0, !frame.isEmpty { frame[0] = 0x02 }  // claim compression on garbage
            }
            do {
                _ = try decoder.decodeFrame(frame)
                decoded += 1
            } catch {
                refused += 1
            }
        }
        #expect(decoded + refused == 100_000)
        #expect(refused > 50_000)
        #expect(ContinuousClock.now - start < .seconds(120))
    }

    @Test("errors say what and where")
    func typedErrors() {
        #expect(throws: BinaryDecodingError(code: .emptyFrame, offset: 0)) { try BinaryDecoder().decodeFrame([]) }
        #expect(throws: BinaryDecodingError(code: .truncated, offset: 1)) { try BinaryDecoder().decodeFrame([0x00, 0xF8]) }
        #expect(throws: BinaryDecodingError(code: .unknownTag(0xF0), offset: 2)) { try BinaryDecoder().decodeFrame([0x00, 0xF8, 0x01, 0xF0]) }
        #expect(throws: BinaryDecodingError(code: .leftoverBytes(1), offset: 3)) { try BinaryDecoder().decodeFrame([0x00, 0xF8, 0x01, 0x19, 0x00]) }
        #expect(throws: BinaryDecodingError(code: .invalidNode, offset: 0)) { try BinaryDecoder().decodeFrame([0x00, 0x00]) }
        #expect(throws: BinaryDecodingError(code: .badCompression, offset: 0)) { try BinaryDecoder().decodeFrame([0x02, 0x01, 0x02, 0x03]) }
        #expect(throws: BinaryDecodingError(code: .invalidPackedCharacter(12), offset: 5)) {
            try BinaryDecoder().decodeFrame([0x00, 0xF8, 0x02, 0x19, 0xFF, 0x01, 0xC0])
        }
        #expect(throws: BinaryEncodingError(code: .deviceTooLargeForADJID(300))) {
            try BinaryEncoder().encodeFrame(Node("to", [("jid", .jid(JID(user: "1", server: "s.whatsapp.net", device: 300)))]))
        }
    }

    @Test("deep nesting is refused, not recursed without bound")
    func depth() {
        var bytes: [UInt8] = [0x00]
        for _ in 0..<200 { bytes += [0xF8, 0x02, 0x19, 0xF8, 0x01] }
        bytes += [0xF8, 0x01, 0x19]
        #expect(throws: BinaryDecodingError.self) { try BinaryDecoder().decodeFrame(bytes) }
    }

    @Test("a zlib bomb stops at the frame limit")
    func zlibBomb() {
        let bomb = [0x02] + zlibCompress([UInt8](repeating: 0, count: BinaryDecoder.maximumFrameSize + 100_000))
        #expect(throws: BinaryDecodingError(code: .frameTooLarge, offset: 0)) { try BinaryDecoder().decodeFrame(bomb) }
    }
}

/// SplitMix64, so every run of the fuzz and property tests sees the same inputs.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
