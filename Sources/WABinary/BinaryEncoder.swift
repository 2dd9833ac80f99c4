/// Serialises nodes into WhatsApp's binary XML, choosing the compact form for every string as
/// whatsmeow does: token, double-byte token, packed nibbles, packed hex, then raw bytes.
public struct BinaryEncoder: Sendable {
    public init() {}

    /// A frame ready for the Noise transport: the flags byte (0: uncompressed) then the node.
    public func encodeFrame(_ node: Node) throws(BinaryEncodingError) -> [UInt8] {
        var writer = Writer()
        writer.bytes.reserveCapacity(256)
        writer.bytes.append(0)
        try writer.write(node)
        return writer.bytes
    }

    /// The node bytes alone, without the flags byte.
    public func encode(_ node: Node) throws(BinaryEncodingError) -> [UInt8] {
        var writer = Writer()
        try writer.write(node)
        return writer.bytes
    }

    struct Writer {
        var bytes: [UInt8] = []

        mutating func write(_ node: Node) throws(BinaryEncodingError) {
            // whatsmeow drops empty attribute values; so do we, so the size matches.
            let attributes = node.attributes.filter {
                if case .string(let s) = $0.value { return !s.isEmpty }
                return true
            }
            let hasContent = node.content != .none
            try writeListStart(1 + 2 * attributes.count + (hasContent ? 1 : 0))
            writeString(node.tag)
            for (key, value) in attributes {
                writeString(key)
                switch value {
                case .string(let s): writeString(s)
                case .jid(let j): try writeJID(j)
                }
            }
            switch node.content {
            case .none:
                break
            case .nodes(let children):
                try writeListStart(children.count)
                for child in children { try write(child) }
            case .bytes(let raw):
                writeRaw(raw)
            case .string(let s):
                writeString(s)
            case .jid(let j):
                try writeJID(j)
            }
        }

        mutating func writeListStart(_ count: Int) throws(BinaryEncodingError) {
            switch count {
            case 0: bytes.append(BinaryTag.listEmpty)
            case 1..<256: bytes.append(contentsOf: [BinaryTag.list8, UInt8(count)])
            case 256..<65_536: bytes.append(contentsOf: [BinaryTag.list16, UInt8(count >> 8), UInt8(count & 0xFF)])
            default: throw BinaryEncodingError(code: .listTooLong(count))
            }
        }

        mutating func writeString(_ s: String) {
            if let token = TokenIndex.shared.lookup[s] {
                if let dictionary = token.dictionary {
                    bytes.append(contentsOf: [BinaryTag.dictionary0 + dictionary, token.index])
                } else {
                    bytes.append(token.index)
                }
                return
            }
            let utf8 = Array(s.utf8)
            if !utf8.isEmpty, utf8.count <= BinaryTag.packedMax {
                if utf8.allSatisfy(Packing.isNibble) {
                    writePacked(utf8, tag: BinaryTag.nibble8, code: Packing.nibbleCode)
                    return
                }
                if utf8.allSatisfy(Packing.isHex) {
                    writePacked(utf8, tag: BinaryTag.hex8, code: Packing.hexCode)
                    return
                }
            }
            writeRaw(utf8)
        }

        mutating func writePacked(_ utf8: [UInt8], tag: UInt8, code: (UInt8) -> UInt8) {
            let pairs = (utf8.count + 1) / 2
            bytes.append(tag)
            bytes.append(UInt8(pairs) | (utf8.count % 2 == 1 ? 0x80 : 0))
            var i = 0
            while i < utf8.count {
                let high = code(utf8[i])
                let low = i + 1 < utf8.count ? code(utf8[i + 1]) : Packing.filler
                bytes.append(high << 4 | low)
                i += 2
            }
        }

        mutating func writeRaw(_ data: [UInt8]) {
            let n = data.count
            if n < 256 {
                bytes.append(contentsOf: [BinaryTag.binary8, UInt8(n)])
            } else if n < 1 << 20 {
                bytes.append(contentsOf: [BinaryTag.binary20, UInt8((n >> 16) & 0x0F), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)])
            } else {
                bytes.append(contentsOf: [BinaryTag.binary32, UInt8((n >> 24) & 0xFF), UInt8((n >> 16) & 0xFF), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)])
            }
            bytes.append(contentsOf: data)
        }

        mutating func writeJID(_ jid: JID) throws(BinaryEncodingError) {
            let server = jid.server
            let isAD = ((server == JID.Server.user || server == JID.Server.lid) && jid.device > 0)
                || server == JID.Server.hosted || server == JID.Server.hostedLID
            if isAD {
                guard jid.device < 256 else { throw BinaryEncodingError(code: .deviceTooLargeForADJID(jid.device)) }
                bytes.append(contentsOf: [BinaryTag.adJID, BinaryTag.domain(of: server), UInt8(jid.device)])
                writeString(jid.user)
            } else if server == JID.Server.messenger {
                bytes.append(BinaryTag.fbJID)
                writeString(jid.user)
                bytes.append(contentsOf: [UInt8(jid.device >> 8), UInt8(jid.device & 0xFF)])
                writeString(server)
            } else if server == JID.Server.interop {
                bytes.append(BinaryTag.interopJID)
                writeString(jid.user)
                bytes.append(contentsOf: [UInt8(jid.device >> 8), UInt8(jid.device & 0xFF)])
                bytes.append(contentsOf: [UInt8(jid.integrator >> 8), UInt8(jid.integrator & 0xFF)])
                writeString(server)
            } else {
                bytes.append(BinaryTag.jidPair)
                if jid.user.isEmpty { bytes.append(BinaryTag.listEmpty) } else { writeString(jid.user) }
                writeString(server)
            }
        }
    }
}

/// Nibble and hex packing alphabets (§2.5 of the protocol brief).
enum Packing {
    static let filler: UInt8 = 15

    static func isNibble(_ c: UInt8) -> Bool { (0x30...0x39).contains(c) || c == 0x2D || c == 0x2E }
    static func isHex(_ c: UInt8) -> Bool { (0x30...0x39).contains(c) || (0x41...0x46).contains(c) }

    static func nibbleCode(_ c: UInt8) -> UInt8 {
        switch c {
        case 0x2D: 10  // '-'
        case 0x2E: 11  // '.'
        default: c - 0x30
        }
    }

    static func hexCode(_ c: UInt8) -> UInt8 { c <= 0x39 ? c - 0x30 : c - 0x41 + 10 }
}

/// Reverse lookup from token string to its encoding, built once.
final class TokenIndex: Sendable {
    struct Entry: Sendable {
        var dictionary: UInt8?
        var index: UInt8
    }

    static let shared = TokenIndex()
    let lookup: [String: Entry]

    private init() {
        var lookup: [String: Entry] = [:]
        for (i, token) in Tokens.singleByte.enumerated() where i > 0 {
            lookup[token] = Entry(dictionary: nil, index: UInt8(i))
        }
        for (d, table) in Tokens.doubleByte.enumerated() {
            for (i, token) in table.enumerated() {
                lookup[token] = Entry(dictionary: UInt8(d), index: UInt8(i))
            }
        }
        self.lookup = lookup
    }
}
