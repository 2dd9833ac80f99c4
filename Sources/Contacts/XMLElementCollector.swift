import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Collects the attributes of chosen elements from a small XML part (relationships, workbook).
final class XMLElementCollector: NSObject, XMLParserDelegate {
    private let wanted: Set<String>
    private(set) var elements: [(name: String, attributes: [String: String])] = []

    private init(wanted: Set<String>) {
        self.wanted = wanted
    }

    /// Elements named in `wanted` (namespace prefixes ignored), with their attributes, in document order.
    static func collect(_ wanted: Set<String>, from data: Data) -> [(name: String, attributes: [String: String])]? {
        let collector = XMLElementCollector(wanted: wanted)
        let parser = XMLParser(data: data)
        parser.delegate = collector
        guard parser.parse() else { return nil }
        return collector.elements
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        let local = XMLElementCollector.localName(elementName)
        if wanted.contains(local) { elements.append((local, attributeDict)) }
    }

    /// `x:row` → `row`.
    static func localName(_ name: String) -> String {
        guard let colon = name.lastIndex(of: ":") else { return name }
        return String(name[name.index(after: colon)...])
    }

    /// The value of an attribute whatever prefix it carries (`r:id`, `id`).
    static func attribute(_ name: String, in attributes: [String: String]) -> String? {
        if let value = attributes[name] { return value }
        return attributes.first { localName($0.key) == name }?.value
    }
}
