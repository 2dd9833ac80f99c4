/// Why bytes could not be decoded into a node. Carries the byte offset for logs.
public struct BinaryDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The data ended in the middle of a value.
        case truncated
        /// A tag byte that has no meaning (240–244) in this position.
        case unknownTag(UInt8)
        /// A double-byte token index outside its dictionary.
        case invalidToken(dictionary: Int, index: Int)
        /// A node whose list header is empty or whose tag is not a string.
        case invalidNode
        /// A packed nibble that is not 0–9, `-`, `.` or the filler.
        case invalidPackedCharacter(UInt8)
        /// Nodes nested deeper than `BinaryDecoder.maximumDepth`.
        case nestingTooDeep
        /// The frame says it is compressed but zlib could not inflate it.
        case badCompression
        /// An inflated frame larger than `BinaryDecoder.maximumFrameSize`.
        case frameTooLarge
        /// Bytes left after the node ended.
        case leftoverBytes(Int)
        /// A value of the wrong kind where a string (tag, key, JID part) was required.
        case expectedString
        /// An empty frame (not even the flags byte).
        case emptyFrame
    }

    public var code: Code
    /// Offset in the (decompressed) node bytes where the problem was found.
    public var offset: Int

    public var description: String { "binary node decoding failed at byte \(offset): \(code)" }
}

/// Why a node could not be encoded.
public struct BinaryEncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// AD-JIDs carry the device in one byte.
        case deviceTooLargeForADJID(UInt16)
        /// More than 65,535 children or attributes in one node.
        case listTooLong(Int)
    }

    public var code: Code

    public var description: String { "binary node encoding failed: \(code)" }
}
