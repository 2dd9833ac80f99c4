import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads the shared-strings part: the text of every string cell, which sheets refer to by index.
/// Rich text runs are joined; phonetic hints (`rPh`) are left out.
final class XLSXSharedStrings: NSObject, XMLParserDelegate {
    private(set) var strings: [String] = []
    private var current = ""
    private var inItem = false
    private var collecting = false
    private var phoneticDepth = 0

    static func load(from url: URL, file: String) throws(ContactsError) -> [String] {
        guard let stream = InputStream(url: url) else {
            throw ContactsError(.unreadable("cannot reopen the unpacked shared strings"), file: file)
        }
        let reader = XLSXSharedStrings()
        let parser = XMLParser(stream: stream)
        parser.delegate = reader
        guard parser.parse() else {
            throw ContactsError(.invalidWorkbook("the shared strings are not valid XML"), file: file)
        }
        return reader.strings
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        switch XMLElementCollector.localName(elementName) {
        case "si":
            inItem = true
            current = ""
        case "rPh":
            phoneticDepth += 1
        case "t":
            collecting = inItem && phoneticDepth == 0
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if collecting { current += string }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        switch XMLElementCollector.localName(elementName) {
        case "si":
            strings.append(current)
            inItem = false
        case "rPh":
            phoneticDepth -= 1
        case "t":
            collecting = false
        default:
            break
        }
    }
}
