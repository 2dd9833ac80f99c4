/// One element of WhatsApp's binary XML: a tag, attributes and optional content.
public struct Node: Sendable, Equatable {
    public enum AttributeValue: Sendable, Hashable, CustomStringConvertible {
        case string(String)
        case jid(JID)

        public var description: String {
            switch self {
            case .string(let s): s
            case .jid(let j): j.description
            }
        }
    }

    public enum Content: Sendable, Equatable {
        case none
        case nodes([Node])
        case bytes([UInt8])
        case string(String)
        case jid(JID)
    }

    public var tag: String
    /// Attributes in the order they are written; order carries no meaning on the wire.
    public var attributes: [(key: String, value: AttributeValue)]
    public var content: Content

    public init(_ tag: String, _ attributes: [(key: String, value: AttributeValue)] = [], content: Content = .none) {
        self.tag = tag
        self.attributes = attributes
        self.content = content
    }

    /// Convenience for the common case of string attributes and child nodes.
    public init(_ tag: String, attributes: KeyValuePairs<String, String> = [:], children: [Node]) {
        self.init(tag, attributes.map { ($0.key, .string($0.value)) }, content: .nodes(children))
    }

    public subscript(attribute key: String) -> AttributeValue? {
        attributes.first { $0.key == key }?.value
    }

    /// An attribute's text (a JID attribute gives its string form).
    public func string(_ key: String) -> String? {
        self[attribute: key]?.description
    }

    /// An attribute that is a JID (or a string that parses as one).
    public func jid(_ key: String) -> JID? {
        switch self[attribute: key] {
        case .jid(let jid)?: jid
        case .string(let text)?: JID(parsing: text)
        case nil: nil
        }
    }

    public var children: [Node] {
        if case .nodes(let nodes) = content { return nodes }
        return []
    }

    /// The first child with this tag.
    public func child(_ tag: String) -> Node? {
        children.first { $0.tag == tag }
    }

    public var bytes: [UInt8]? {
        switch content {
        case .bytes(let b): b
        case .string(let s): Array(s.utf8)
        default: nil
        }
    }

    public static func == (lhs: Node, rhs: Node) -> Bool {
        lhs.tag == rhs.tag && lhs.content == rhs.content
            && lhs.attributes.count == rhs.attributes.count
            && zip(lhs.attributes, rhs.attributes).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}
