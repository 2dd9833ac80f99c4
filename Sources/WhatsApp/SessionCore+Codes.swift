import Foundation
import WABinary

/// What the server's codes mean for the session (protocol brief §5.8, §6.8, §7.3).
extension SessionCore {
    /// `<failure reason=…>` right after the handshake.
    static func ending(failure node: Node) -> Ending {
        let reason = node.string("reason") ?? "?"
        switch reason {
        case "401", "403", "406":
            return .permanent(.loggedOut, WhatsAppError(.loggedOut(reason: "failure \(reason)")).description)
        case "402":
            let error = WhatsAppError(.temporarilyBanned(code: node.string("code") ?? "?", expires: node.string("expire").flatMap { Int($0) }))
            return .permanent(.banned, error.description)
        case "405":
            return .permanent(.stopped, WhatsAppError(.clientOutdated).description)
        default:
            return .dropped("connection refused with failure \(reason)")
        }
    }

    /// `<stream:error code=…>`, with a `<conflict type=…>` child when another client or the phone
    /// ended this one.
    static func ending(streamError node: Node) -> Ending {
        let code = node.string("code")
        if code == "515" { return .restart }
        if let conflict = node.child("conflict") {
            if conflict.string("type") == "device_removed" {
                return .permanent(.loggedOut, WhatsAppError(.loggedOut(reason: "device removed")).description)
            }
            return .permanent(.replaced, WhatsAppError(.replaced).description)
        }
        if code == "401" { return .permanent(.loggedOut, WhatsAppError(.loggedOut(reason: "stream error 401")).description) }
        return .dropped("stream error \(code ?? "without code")")
    }

    /// A failure to connect at all (the handshake, a refused login).
    static func ending(for error: WhatsAppError) -> Ending {
        switch error.code {
        case .loggedOut: .permanent(.loggedOut, error.description)
        case .replaced: .permanent(.replaced, error.description)
        case .temporarilyBanned: .permanent(.banned, error.description)
        case .clientOutdated: .permanent(.stopped, error.description)
        default: .dropped(error.description)
        }
    }

    /// What an `<ack error=…>` for a message means.
    enum AckVerdict: Sendable, Equatable {
        case accepted
        /// 463: a new chat refused (the contact's token is missing, or the account may not start
        /// new chats). Never retried on this number: a retry counts as another reach-out.
        case restricted
        /// 479 (smax-invalid): often stale addressing; device lists are fetched again.
        case invalidStanza
        /// Worth trying later (429 rate limit, anything else).
        case retryLater(String)
    }

    static func verdict(ackError code: String?) -> AckVerdict {
        switch code {
        case nil: .accepted
        case "463": .restricted
        case "479": .invalidStanza
        case "429": .retryLater("rate-overlimit (429): WhatsApp asks to slow down")
        case let code?: .retryLater("server refused the message (error \(code))")
        }
    }

    /// The `<ack>` the client owes for a server stanza (brief §5.7).
    static func ack(for node: Node, id: String) -> Node {
        var attributes: [(key: String, value: Node.AttributeValue)] = [("id", .string(id)), ("class", .string(node.tag))]
        if let from = node[attribute: "from"] { attributes.append(("to", from)) }
        for key in ["participant", "recipient"] { if let value = node[attribute: key] { attributes.append((key, value)) } }
        if node.tag != "message", let type = node[attribute: "type"] { attributes.append(("type", type)) }
        return Node("ack", attributes)
    }
}
