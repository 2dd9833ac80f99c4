import Foundation
import WABinary

/// Encode and decode throughput for a typical outgoing `<message>` stanza with two encrypted
/// payloads (a recipient device and our own device).
enum WABinaryBench {
    static func run(arguments: [String]) async throws {
        let stanza = Node("message", [
            ("id", .string("3EB0A1B2C3D4E5F6A7B8C9")), ("to", .jid(JID(user: "6281234567890", server: "s.whatsapp.net"))),
            ("type", .string("text")), ("t", .string("1764038400")),
        ], content: .nodes([
            Node("participants", content: .nodes([
                Node("to", [("jid", .jid(JID(user: "6281234567890", server: "s.whatsapp.net", device: 3)))], content: .nodes([
                    Node("enc", [("v", .string("2")), ("type", .string("pkmsg"))], content: .bytes([UInt8](repeating: 0xAB, count: 420))),
                ])),
                Node("to", [("jid", .jid(JID(user: "6289876543210", server: "s.whatsapp.net", device: 12)))], content: .nodes([
                    Node("enc", [("v", .string("2")), ("type", .string("msg"))], content: .bytes([UInt8](repeating: 0xCD, count: 380))),
                ])),
            ])),
            Node("device-identity", content: .bytes([UInt8](repeating: 0x11, count: 160))),
        ]))
        let encoder = BinaryEncoder(), decoder = BinaryDecoder()
        let frame = try encoder.encodeFrame(stanza)
        let count = 200_000
        var sink = 0
        let encodeTime = try await Bench.time { for _ in 0..<count { sink &+= try encoder.encodeFrame(stanza).count } }
        let decodeTime = try await Bench.time { for _ in 0..<count { sink &+= try decoder.decodeFrame(frame).attributes.count } }
        print(String(format: "%d-byte <message> stanza: encode %.2f µs, decode %.2f µs (%d iterations, checksum %d)",
                     frame.count, encodeTime / Double(count) * 1e6, decodeTime / Double(count) * 1e6, count, sink % 10))
    }
}
