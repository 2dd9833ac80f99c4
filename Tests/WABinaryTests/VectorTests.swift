import Testing
@testable import WABinary

/// Byte vectors worked out by hand from the protocol facts (tag table §2.2, node layout §2.3,
/// string choice §2.4, packing §2.5, JIDs §2.6) and the token tables in shared/protocol/tokens.json.
@Suite("Binary node byte vectors")
struct VectorTests {
    let encoder = BinaryEncoder()
    let decoder = BinaryDecoder()

    func check(_ node: Node, _ expected: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let frame = try encoder.encodeFrame(node)
        #expect(frame == expected, "got \(frame.map { String(format: "%02X", $0) }.joined(separator: " "))", sourceLocation: sourceLocation)
        #expect(try decoder.decodeFrame(expected) == node, sourceLocation: sourceLocation)
    }

    @Test("the §2.7 iq example")
    func iqExample() throws {
        // 00 flags; F8 09 = LIST_8, 1 + 2×4 attributes; 19 = token 25 "iq";
        // 08 "id" + FF 83 1B 2A 3F: NIBBLE_8, 3 pairs with the odd flag, "1.2-3" = 1,11,2,10,3,filler;
        // 11 "to" + FA 00 03: JID_PAIR, empty user, token 3 "s.whatsapp.net";
        // 04 "type" + 29 "get" (41); 16 "xmlns" (22) + 57 "w:p" (87).
        let node = Node("iq", [("id", .string("1.2-3")), ("to", .jid(.serverJID)), ("type", .string("get")), ("xmlns", .string("w:p"))])
        try check(node, [0x00, 0xF8, 0x09, 0x19, 0x08, 0xFF, 0x83, 0x1B, 0x2A, 0x3F, 0x11, 0xFA, 0x00, 0x03, 0x04, 0x29, 0x16, 0x57])
    }

    @Test("an uppercase hex message id is HEX_8 packed")
    func hexPacked() throws {
        // F8 03 "message"(19=0x13) "id"(08) FB 04 3E B0 AB 12: four pairs, even length, no flag.
        try check(Node("message", [("id", .string("3EB0AB12"))]), [0x00, 0xF8, 0x03, 0x13, 0x08, 0xFB, 0x04, 0x3E, 0xB0, 0xAB, 0x12])
    }

    @Test("a double-byte token is written as dictionary tag and index")
    func doubleByteToken() throws {
        // "9" is double_byte[1][5]: 237 (DICTIONARY_1), 5 — the token wins over nibble packing.
        try check(Node("iq", [("id", .string("9"))]), [0x00, 0xF8, 0x03, 0x19, 0x08, 0xED, 0x05])
    }

    @Test("a phone-number device JID is an AD_JID with domain 0")
    func adJID() throws {
        // F7 00 03 = AD_JID, domain s.whatsapp.net, device 3; user "6281234567890" as NIBBLE_8:
        // 13 digits → 7 pairs with the odd flag (0x87), last low nibble the filler F.
        let jid = try #require(JID(parsing: "6281234567890:3@s.whatsapp.net"))
        try check(Node("to", [("jid", .jid(jid))]),
                  [0x00, 0xF8, 0x03, 0x11, 0x0C, 0xF7, 0x00, 0x03, 0xFF, 0x87, 0x62, 0x81, 0x23, 0x45, 0x67, 0x89, 0x0F])
    }

    @Test("a LID device JID has domain 1; device 0 stays a JID_PAIR")
    func lidJIDs() throws {
        let device = try #require(JID(parsing: "12345:7@lid"))
        try check(Node("to", [("jid", .jid(device))]), [0x00, 0xF8, 0x03, 0x11, 0x0C, 0xF7, 0x01, 0x07, 0xFF, 0x83, 0x12, 0x34, 0x5F])
        let user = try #require(JID(parsing: "12345@lid"))
        // FA, user NIBBLE_8 "12345", server token 118 "lid" (0x76).
        try check(Node("to", [("jid", .jid(user))]), [0x00, 0xF8, 0x03, 0x11, 0x0C, 0xFA, 0xFF, 0x83, 0x12, 0x34, 0x5F, 0x76])
    }

    @Test("raw strings use BINARY_8, BINARY_20 and BINARY_32 by length")
    func rawLengths() throws {
        // Content counts as one list item: size 2 = tag + content.
        let short = Array("Halo dunia".utf8)
        // "catatan" is not a token: F8 02, tag as BINARY_8 "catatan", content as BINARY_8 of 10 bytes.
        try check(Node("catatan", content: .bytes(short)), [0x00, 0xF8, 0x02, 0xFC, 0x07] + Array("catatan".utf8) + [0xFC, 0x0A] + short)
        let medium = [UInt8](repeating: 0x41, count: 300)
        let mediumFrame = try encoder.encodeFrame(Node("x", content: .bytes(medium)))
        #expect(Array(mediumFrame.suffix(304).prefix(4)) == [0xFD, 0x00, 0x01, 0x2C])
        let large = [UInt8](repeating: 7, count: 1 << 20)
        let largeFrame = try encoder.encodeFrame(Node("x", content: .bytes(large)))
        #expect(Array(largeFrame.suffix((1 << 20) + 5).prefix(5)) == [0xFE, 0x00, 0x10, 0x00, 0x00])
        #expect(try decoder.decodeFrame(largeFrame).bytes == large)
    }

    @Test("children use LIST_8 and LIST_16")
    func lists() throws {
        // <iq><ping/></iq>: F8 02 19 (iq) F8 01 (one child) F8 01 56 (ping = 86).
        try check(Node("iq", attributes: [:], children: [Node("ping")]), [0x00, 0xF8, 0x02, 0x19, 0xF8, 0x01, 0xF8, 0x01, 0x56])
        let many = Node("list", attributes: [:], children: Array(repeating: Node("ping"), count: 300))
        let frame = try encoder.encodeFrame(many)
        #expect(frame[3...5] == [0xF9, 0x01, 0x2C] || Array(frame[4...6]) == [0xF9, 0x01, 0x2C])
        #expect(try decoder.decodeFrame(frame) == many)
    }

    @Test("Messenger and interop JIDs decode with their two-byte device and integrator")
    func fbAndInteropJIDs() throws {
        // <to jid=…> with F6 (FB_JID): user NIBBLE "123", device 00 05, server token "msgr" (204 = 0xCC).
        let fb: [UInt8] = [0x00, 0xF8, 0x03, 0x11, 0x0C, 0xF6, 0xFF, 0x82, 0x12, 0x3F, 0x00, 0x05, 0xCC]
        let decoded = try decoder.decodeFrame(fb)
        #expect(decoded.jid("jid") == JID(user: "123", server: "msgr", device: 5))
        #expect(try encoder.encodeFrame(decoded) == fb)
        // F5 (INTEROP_JID): user "1", device 00 02, integrator 00 09, server raw "interop".
        let interop: [UInt8] = [0x00, 0xF8, 0x03, 0x11, 0x0C, 0xF5, 0xFF, 0x81, 0x1F, 0x00, 0x02, 0x00, 0x09, 0xFC, 0x07] + Array("interop".utf8)
        let decodedInterop = try decoder.decodeFrame(interop)
        #expect(decodedInterop.jid("jid") == JID(user: "1", server: "interop", device: 2, integrator: 9))
    }

    @Test("a compressed frame (flags bit 0x02) is inflated")
    func compressed() throws {
        let node = Node("iq", [("id", .string("1.2-3")), ("type", .string("get"))], content: .bytes(Array(repeating: 0x61, count: 500)))
        let plain = try encoder.encode(node)
        let frame = [0x02] + zlibCompress(plain)
        #expect(try decoder.decodeFrame(frame) == node)
    }

    @Test("tokens for stream start and end")
    func streamTokens() throws {
        #expect(try decoder.decode([0xF8, 0x01, 0x02]).tag == "xmlstreamend")
    }
}
