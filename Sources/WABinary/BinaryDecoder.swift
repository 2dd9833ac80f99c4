internal import CSiaranZlib

/// Parses WhatsApp's binary XML. Every read is bounds-checked and every declared size is checked
/// against the bytes that remain, so any input gives a node or a `BinaryDecodingError` — never a
/// crash, a hang or a huge allocation.
public struct BinaryDecoder: Sendable {
    /// Deeper nesting is refused (real stanzas nest a handful of levels).
    public static let maximumDepth = 64
    /// Largest inflated frame accepted; the transport's own frame limit is 2^24 bytes.
    public static let maximumFrameSize = 1 << 24

    public init() {}

    /// Decodes a transport frame: the flags byte (bit 0x02: zlib-compressed) then one node.
    public func decodeFrame(_ frame: [UInt8]) throws(BinaryDecodingError) -> Node {
        guard let flags = frame.first else { throw BinaryDecodingError(code: .emptyFrame, offset: 0) }
        let body = Array(frame.dropFirst())
        if flags & 0x02 != 0 {
            return try decode(Self.inflate(body))
        }
        return try decode(body)
    }

    /// Decodes node bytes (without the flags byte); the node must use every byte.
    public func decode(_ bytes: [UInt8]) throws(BinaryDecodingError) -> Node {
        var reader = Reader(bytes: bytes)
        let node = try reader.readNode(depth: 0)
        if reader.index != bytes.count {
            throw BinaryDecodingError(code: .leftoverBytes(bytes.count - reader.index), offset: reader.index)
        }
        return node
    }

    static func inflate(_ data: [UInt8]) throws(BinaryDecodingError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit_(&stream, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw BinaryDecodingError(code: .badCompression, offset: 0)
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var input = data
        let status: Int32 = input.withUnsafeMutableBufferPointer { inputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = uInt(inputBuffer.count)
            while true {
                let result: Int32 = chunk.withUnsafeMutableBufferPointer { chunkBuffer in
                    stream.next_out = chunkBuffer.baseAddress
                    stream.avail_out = uInt(chunkBuffer.count)
                    return CSiaranZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                output.append(contentsOf: chunk[0..<produced])
                if output.count > maximumFrameSize { return Z_MEM_ERROR }
                if result == Z_STREAM_END { return Z_OK }
                if result != Z_OK { return result }
                if produced == 0 && stream.avail_in == 0 { return Z_DATA_ERROR }  // truncated stream
            }
        }
        if status == Z_MEM_ERROR { throw BinaryDecodingError(code: .frameTooLarge, offset: 0) }
        guard status == Z_OK else { throw BinaryDecodingError(code: .badCompression, offset: 0) }
        return output
    }

    /// A value read from the stream before we know where it goes.
    enum Value {
        case none
        case string(String)
        case bytes([UInt8])
        case jid(JID)
        case nodes([Node])
    }

    struct Reader {
        let bytes: [UInt8]
        var index = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        func failure(_ code: BinaryDecodingError.Code) -> BinaryDecodingError {
            BinaryDecodingError(code: code, offset: index)
        }

        mutating func byte() throws(BinaryDecodingError) -> UInt8 {
            guard index < bytes.count else { throw failure(.truncated) }
            defer { index += 1 }
            return bytes[index]
        }

        mutating func integer(_ count: Int) throws(BinaryDecodingError) -> Int {
            guard count <= bytes.count - index else { throw failure(.truncated) }
            var value = 0
            for _ in 0..<count { value = value << 8 | Int(bytes[index]); index += 1 }
            return value
        }

        mutating func raw(_ count: Int) throws(BinaryDecodingError) -> [UInt8] {
            guard count >= 0, count <= bytes.count - index else { throw failure(.truncated) }
            defer { index += count }
            return Array(bytes[index..<index + count])
        }

        mutating func listSize(_ tag: UInt8) throws(BinaryDecodingError) -> Int? {
            switch tag {
            case BinaryTag.listEmpty: 0
            case BinaryTag.list8: Int(try byte())
            case BinaryTag.list16: try integer(2)
            default: nil
            }
        }

        mutating func readNode(depth: Int) throws(BinaryDecodingError) -> Node {
            guard depth < BinaryDecoder.maximumDepth else { throw failure(.nestingTooDeep) }
            let start = index
            guard let size = try listSize(try byte()), size > 0 else {
                throw BinaryDecodingError(code: .invalidNode, offset: start)
            }
            let tag: String
            switch try read(depth: depth) {
            case .string(let s): tag = s
            case .bytes(let b): tag = String(decoding: b, as: UTF8.self)
            default: throw BinaryDecodingError(code: .invalidNode, offset: start)
            }
            let attributeCount = (size - 1) / 2
            var attributes: [(key: String, value: Node.AttributeValue)] = []
            attributes.reserveCapacity(attributeCount)
            for _ in 0..<attributeCount {
                let key: String
                switch try read(depth: depth) {
                case .string(let s): key = s
                case .bytes(let b): key = String(decoding: b, as: UTF8.self)
                default: throw failure(.expectedString)
                }
                switch try read(depth: depth) {
                case .string(let s): attributes.append((key, .string(s)))
                case .jid(let j): attributes.append((key, .jid(j)))
                case .bytes(let b): attributes.append((key, .string(String(decoding: b, as: UTF8.self))))
                case .none: attributes.append((key, .string("")))
                case .nodes: throw failure(.expectedString)
                }
            }
            var content = Node.Content.none
            if size % 2 == 0 {
                switch try read(depth: depth) {
                case .none: content = .nodes([])
                case .string(let s): content = .string(s)
                case .bytes(let b): content = .bytes(b)
                case .jid(let j): content = .jid(j)
                case .nodes(let n): content = .nodes(n)
                }
            }
            return Node(tag, attributes, content: content)
        }

        mutating func read(depth: Int) throws(BinaryDecodingError) -> Value {
            let tag = try byte()
            switch tag {
            case BinaryTag.listEmpty:
                return .none
            case BinaryTag.list8, BinaryTag.list16:
                let count = try listSize(tag)!
                // Each child takes at least two bytes; refuse counts the data cannot hold.
                guard count <= (bytes.count - index) / 2 else { throw failure(.truncated) }
                var nodes: [Node] = []
                nodes.reserveCapacity(count)
                for _ in 0..<count { nodes.append(try readNode(depth: depth + 1)) }
                return .nodes(nodes)
            case 1..<BinaryTag.dictionary0:
                return .string(Tokens.singleByte[Int(tag)])
            case BinaryTag.dictionary0...BinaryTag.dictionary3:
                let dictionary = Int(tag - BinaryTag.dictionary0)
                let index = Int(try byte())
                let table = Tokens.doubleByte[dictionary]
                guard index < table.count else { throw failure(.invalidToken(dictionary: dictionary, index: index)) }
                return .string(table[index])
            case BinaryTag.binary8:
                return .bytes(try raw(Int(try byte())))
            case BinaryTag.binary20:
                let length = try integer(3) & 0x0F_FFFF
                return .bytes(try raw(length))
            case BinaryTag.binary32:
                return .bytes(try raw(try integer(4)))
            case BinaryTag.nibble8:
                return .string(try unpack(nibble: true))
            case BinaryTag.hex8:
                return .string(try unpack(nibble: false))
            case BinaryTag.jidPair:
                let user = try readString(depth: depth, allowEmpty: true)
                let server = try readString(depth: depth, allowEmpty: false)
                return .jid(JID(user: user, server: server))
            case BinaryTag.adJID:
                let domain = try byte()
                let device = UInt16(try byte())
                let user = try readString(depth: depth, allowEmpty: true)
                switch domain {
                case 1: return .jid(JID(user: user, server: JID.Server.lid, device: device))
                case 128: return .jid(JID(user: user, server: JID.Server.hosted, device: device))
                case 129: return .jid(JID(user: user, server: JID.Server.hostedLID, device: device))
                default: return .jid(JID(user: user, server: JID.Server.user, device: device, agent: domain))
                }
            case BinaryTag.fbJID:
                let user = try readString(depth: depth, allowEmpty: true)
                let device = UInt16(try integer(2))
                let server = try readString(depth: depth, allowEmpty: false)
                return .jid(JID(user: user, server: server, device: device))
            case BinaryTag.interopJID:
                let user = try readString(depth: depth, allowEmpty: true)
                let device = UInt16(try integer(2))
                let integrator = UInt16(try integer(2))
                let server = try readString(depth: depth, allowEmpty: false)
                return .jid(JID(user: user, server: server, device: device, integrator: integrator))
            default:
                index -= 1
                throw failure(.unknownTag(tag))
            }
        }

        /// A string inside a JID: tokens, packed or raw strings only (no nested JIDs or lists).
        mutating func readString(depth: Int, allowEmpty: Bool) throws(BinaryDecodingError) -> String {
            let start = index
            guard index < bytes.count else { throw failure(.truncated) }
            let tag = bytes[index]
            if tag == BinaryTag.jidPair || tag == BinaryTag.adJID || tag == BinaryTag.fbJID || tag == BinaryTag.interopJID
                || tag == BinaryTag.list8 || tag == BinaryTag.list16 {
                throw failure(.expectedString)
            }
            switch try read(depth: depth) {
            case .string(let s): return s
            case .bytes(let b): return String(decoding: b, as: UTF8.self)
            case .none where allowEmpty: return ""
            default: throw BinaryDecodingError(code: .expectedString, offset: start)
            }
        }

        mutating func unpack(nibble: Bool) throws(BinaryDecodingError) -> String {
            let header = try byte()
            let pairs = Int(header & 0x7F)
            let start = index
            let packed = try raw(pairs)
            var characters: [UInt8] = []
            characters.reserveCapacity(pairs * 2)
            for (offset, value) in packed.enumerated() {
                for code in [value >> 4, value & 0x0F] {
                    guard let c = Self.character(code, nibble: nibble) else {
                        throw BinaryDecodingError(code: .invalidPackedCharacter(code), offset: start + offset)
                    }
                    characters.append(c)
                }
            }
            if header & 0x80 != 0, !characters.isEmpty { characters.removeLast() }
            return String(decoding: characters, as: UTF8.self)
        }

        static func character(_ code: UInt8, nibble: Bool) -> UInt8? {
            if nibble {
                switch code {
                case 0...9: return 0x30 + code
                case 10: return 0x2D
                case 11: return 0x2E
                case 15: return 0  // filler, dropped by the odd-length rule
                default: return nil
                }
            }
            return code < 10 ? 0x30 + code : 0x41 + code - 10
        }
    }
}
