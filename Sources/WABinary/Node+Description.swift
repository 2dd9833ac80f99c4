extension Node: CustomStringConvertible {
    /// XML-like text for logs and tests: `<iq id="1" type="get"><ping/></iq>`. Binary content is
    /// shown as its length and the first bytes in hex, so logs stay short and never hold keys whole.
    public var description: String {
        var out = ""
        describe(into: &out, indent: 0)
        return out
    }

    private func describe(into out: inout String, indent: Int) {
        let pad = String(repeating: "  ", count: indent)
        out += pad + "<" + tag
        for (key, value) in attributes {
            out += " \(key)=\"\(Self.escape(value.description))\""
        }
        switch content {
        case .none:
            out += "/>"
        case .nodes(let children) where children.isEmpty:
            out += "></\(tag)>"
        case .nodes(let children):
            out += ">\n"
            for child in children {
                child.describe(into: &out, indent: indent + 1)
                out += "\n"
            }
            out += pad + "</\(tag)>"
        case .string(let text):
            out += ">\(Self.escape(text))</\(tag)>"
        case .jid(let jid):
            out += ">\(jid)</\(tag)>"
        case .bytes(let bytes):
            let shown = bytes.prefix(16).map { byte in
                let hex = String(byte, radix: 16)
                return hex.count == 1 ? "0" + hex : hex
            }.joined()
            out += "><!-- \(bytes.count) bytes: \(shown)\(bytes.count > 16 ? "…" : "") --></\(tag)>"
        }
    }

    private static func escape(_ text: String) -> String {
        var result = ""
        for c in text {
            switch c {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "\n": result += "&#10;"
            default: result.append(c)
            }
        }
        return result
    }
}
