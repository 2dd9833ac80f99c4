import Foundation
internal import CSiaranZlib

/// permessage-deflate (RFC 7692): what we offer, what the peer agreed to, and the raw-deflate
/// streams that compress and inflate message payloads. No I/O; `PerMessageDeflateHandler` uses it.
public struct PerMessageDeflate: Sendable, Equatable {
    /// What both reference clients send in the upgrade request.
    public static let clientOffer = "permessage-deflate; client_max_window_bits"

    /// The server resets its compressor after each message (we may inflate with a fresh context).
    public var serverNoContextTakeover = false
    /// We (the client) reset our compressor after each message.
    public var clientNoContextTakeover = false
    /// The largest window the server compresses with (8–15).
    public var serverMaxWindowBits = 15
    /// The largest window we may compress with (8–15).
    public var clientMaxWindowBits = 15

    public init() {}

    /// The agreed parameters from the server's `Sec-WebSocket-Extensions` answer; nil when it
    /// did not accept permessage-deflate. Throws when it answered with something RFC 7692 forbids.
    public static func accepted(by header: String?) throws(WebSocketError) -> PerMessageDeflate? {
        guard let header, !header.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        let extensions = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard extensions.count == 1, let only = extensions.first else {
            throw WebSocketError(.connectionFailed("the server answered with extensions we did not offer: \(header)"))
        }
        let parts = only.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "permessage-deflate" else {
            throw WebSocketError(.connectionFailed("the server answered with an extension we did not offer: \(parts.first ?? "")"))
        }
        var agreed = PerMessageDeflate()
        for parameter in parts.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let value = pair.count == 2 ? pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) : nil
            func bits() throws(WebSocketError) -> Int {
                guard let value, let bits = Int(value), (8...15).contains(bits) else {
                    throw WebSocketError(.connectionFailed("permessage-deflate: \(parameter) is not a window size from 8 to 15"))
                }
                return bits
            }
            switch pair[0].lowercased() {
            case "server_no_context_takeover": agreed.serverNoContextTakeover = true
            case "client_no_context_takeover": agreed.clientNoContextTakeover = true
            case "server_max_window_bits": agreed.serverMaxWindowBits = try bits()
            case "client_max_window_bits": agreed.clientMaxWindowBits = try bits()
            default: throw WebSocketError(.connectionFailed("permessage-deflate: unknown parameter \(parameter)"))
            }
        }
        return agreed
    }

    /// The server's side: whether the client's `Sec-WebSocket-Extensions` offers permessage-deflate.
    static func offered(in header: String?) -> Bool {
        guard let header else { return false }
        return header.split(separator: ",").contains {
            $0.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() == "permessage-deflate"
        }
    }
}

/// The four bytes a sync flush ends with, which RFC 7692 §7.2.1 takes off each message (and
/// §7.2.2 puts back before inflating).
private let syncFlushTail: [UInt8] = [0x00, 0x00, 0xFF, 0xFF]

/// A raw deflate stream for one direction of a connection; frees zlib's state in `deinit`.
final class MessageDeflater {
    private let stream: UnsafeMutablePointer<z_stream>
    /// Reset after each message (`no_context_takeover` for our side).
    private let resetsEachMessage: Bool

    /// - Parameter windowBits: 9–15 (zlib's raw deflate cannot use 8).
    init?(windowBits: Int, resetsEachMessage: Bool) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        self.resetsEachMessage = resetsEachMessage
        guard deflateInit2_(stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -Int32(windowBits), 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deallocate()
            return nil
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// One message's payload, compressed and without the sync-flush tail.
    func compress(_ input: [UInt8]) -> [UInt8] {
        // zlib writes nothing for a second flush without input; an empty stored block's first
        // byte is what RFC 7692 §7.2.3.6 sends for an empty message.
        if input.isEmpty { return [0x00] }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: max(64, input.count / 2 + 64))
        var input = input
        input.withUnsafeMutableBufferPointer { source in
            stream.pointee.next_in = source.baseAddress
            stream.pointee.avail_in = uInt(source.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { target in
                    stream.pointee.next_out = target.baseAddress
                    stream.pointee.avail_out = uInt(target.count)
                    _ = deflate(stream, Z_SYNC_FLUSH)
                    output += target[0..<(target.count - Int(stream.pointee.avail_out))]
                }
                // A full output chunk means zlib may have more to give.
            } while stream.pointee.avail_out == 0
        }
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        if output.suffix(4) == syncFlushTail[...] { output.removeLast(4) }
        if resetsEachMessage { deflateReset(stream) }
        return output
    }
}

/// A raw inflate stream for the peer's compressed messages; frees zlib's state in `deinit`.
final class MessageInflater {
    enum Failure: Error {
        case corrupt
        case tooLarge
    }

    private let stream: UnsafeMutablePointer<z_stream>
    private let resetsEachMessage: Bool
    private let limit: Int

    /// Always inflates with a 15-bit window: it reads whatever smaller window the peer used.
    init?(resetsEachMessage: Bool, limit: Int) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        self.resetsEachMessage = resetsEachMessage
        self.limit = limit
        guard inflateInit2_(stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            stream.deallocate()
            return nil
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// One message's payload as it arrived (tail removed), inflated.
    func inflate(_ compressed: [UInt8]) throws(Failure) -> [UInt8] {
        var input = compressed + syncFlushTail
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let status: Int32 = input.withUnsafeMutableBufferPointer { source in
            stream.pointee.next_in = source.baseAddress
            stream.pointee.avail_in = uInt(source.count)
            while true {
                let result: Int32 = chunk.withUnsafeMutableBufferPointer { target in
                    stream.pointee.next_out = target.baseAddress
                    stream.pointee.avail_out = uInt(target.count)
                    let result = CSiaranZlib.inflate(stream, Z_SYNC_FLUSH)
                    output += target[0..<(target.count - Int(stream.pointee.avail_out))]
                    return result
                }
                if output.count > limit { return Z_MEM_ERROR }
                if result == Z_STREAM_END {
                    // The peer ended its stream (BFINAL): the next message starts a new one.
                    inflateReset(stream)
                    return Z_OK
                }
                if result == Z_BUF_ERROR || (result == Z_OK && stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0) {
                    return Z_OK
                }
                if result != Z_OK { return result }
            }
        }
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        if status == Z_MEM_ERROR { throw .tooLarge }
        guard status == Z_OK else { throw .corrupt }
        if resetsEachMessage { inflateReset(stream) }
        return output
    }
}
