import Foundation
import WABinary

extension Node {
    /// `<iq from=s.whatsapp.net type=… id=…>` with children.
    static func iq(id: String, type: String, children: [Node] = [], extra: [(key: String, value: Node.AttributeValue)] = []) -> Node {
        Node("iq", [("from", .jid(.serverJID)), ("type", .string(type)), ("id", .string(id))] + extra,
             content: children.isEmpty ? .none : .nodes(children))
    }

    /// An iq error as WhatsApp sends it: `<error code=… text=…/>`.
    static func iqError(id: String, code: Int, text: String) -> Node {
        iq(id: id, type: "error", children: [Node("error", [("code", .string(String(code))), ("text", .string(text))])])
    }

    /// Bytes content of a child, if present.
    func childBytes(_ tag: String) -> Data? {
        child(tag)?.bytes.map { Data($0) }
    }
}

extension Data {
    /// Big-endian unsigned integer of up to 8 bytes (registration ids, 3-byte key ids).
    var bigEndianInteger: UInt64 {
        reduce(0) { $0 << 8 | UInt64($1) }
    }
}
