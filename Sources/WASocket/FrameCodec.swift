public import Foundation

/// WhatsApp's framing over the WebSocket: every frame is a 3-byte big-endian length and the
/// payload; the very first frame a client sends is preceded by the header `WA 06 03`.
public struct FrameCodec: Sendable {
    /// `W`, `A`, the magic 6 and the token dictionary version 3.
    public static let connectionHeader = Data([0x57, 0x41, 0x06, 0x03])
    /// Largest payload a 3-byte length can describe; whatsmeow refuses frames of 2^24 bytes or more.
    public static let maximumFrameSize = (1 << 24) - 1

    private var buffer = Data()
    private var expectsHeader: Bool

    /// - Parameter expectsHeader: true on the server side, which receives the header first.
    public init(expectsHeader: Bool = false) {
        self.expectsHeader = expectsHeader
    }

    /// The bytes for one frame.
    public static func encode(_ payload: Data, withHeader: Bool = false) throws(NoiseError) -> Data {
        guard payload.count <= maximumFrameSize else { throw NoiseError(.frameTooLarge(payload.count)) }
        var out = withHeader ? connectionHeader : Data()
        out.append(UInt8(payload.count >> 16))
        out.append(UInt8((payload.count >> 8) & 0xFF))
        out.append(UInt8(payload.count & 0xFF))
        return out + payload
    }

    /// Adds received bytes (one WebSocket message may hold several frames or part of one) and
    /// returns every complete frame.
    public mutating func append(_ bytes: Data) throws(NoiseError) -> [Data] {
        buffer.append(bytes)
        if expectsHeader {
            guard buffer.count >= 4 else { return [] }
            guard buffer.prefix(4) == Self.connectionHeader else {
                throw NoiseError(.malformedHandshake("the connection does not start with WA 06 03"))
            }
            buffer.removeFirst(4)
            expectsHeader = false
        }
        var frames: [Data] = []
        while buffer.count >= 3 {
            let start = buffer.startIndex
            let length = Int(buffer[start]) << 16 | Int(buffer[start + 1]) << 8 | Int(buffer[start + 2])
            guard buffer.count >= 3 + length else { break }
            frames.append(Data(buffer[(start + 3)..<(start + 3 + length)]))
            buffer.removeFirst(3 + length)
        }
        return frames
    }
}
