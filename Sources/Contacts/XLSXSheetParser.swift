import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Streams the rows of one worksheet part: each `<row>` becomes its row number and non-empty cells,
/// with shared strings resolved, inline strings read and numbers written out in full.
final class XLSXSheetParser: NSObject, XMLParserDelegate {
    private let sharedStrings: [String]
    private let file: String
    private let onRow: (Int, [XLSXCell]) throws -> Void
    private(set) var failure: (any Error)?

    private var rowNumber = 0
    private var nextRowNumber = 1
    private var cells: [XLSXCell] = []
    private var inCell = false
    private var cellColumn = 0
    private var cellType = "n"
    private var value = ""
    private var inlineText = ""
    private var collectingValue = false
    private var collectingInline = false
    private var inInlineString = false
    private var phoneticDepth = 0
    /// Whether `</sheetData>` was reached: a worksheet cut short must not pass for a shorter list.
    private var reachedEnd = false

    private init(sharedStrings: [String], file: String, onRow: @escaping (Int, [XLSXCell]) throws -> Void) {
        self.sharedStrings = sharedStrings
        self.file = file
        self.onRow = onRow
    }

    /// Parses the unpacked worksheet at `url`, calling `onRow` for every row in order.
    /// An error thrown by `onRow` stops the parse and is rethrown.
    static func parse(
        url: URL, sharedStrings: [String], file: String, onRow: (Int, [XLSXCell]) throws -> Void
    ) throws {
        guard let stream = InputStream(url: url) else {
            throw ContactsError(.unreadable("cannot reopen the unpacked worksheet"), file: file)
        }
        try withoutActuallyEscaping(onRow) { onRow in
            let reader = XLSXSheetParser(sharedStrings: sharedStrings, file: file, onRow: onRow)
            let parser = XMLParser(stream: stream)
            parser.delegate = reader
            let finished = parser.parse()
            if let failure = reader.failure { throw failure }
            guard finished else {
                throw ContactsError(.invalidWorkbook("the worksheet is not valid XML"), file: file, line: reader.rowNumber)
            }
            guard reader.reachedEnd else {
                throw ContactsError(.invalidWorkbook("the worksheet is cut short"), file: file, line: reader.rowNumber)
            }
        }
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
        qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
    ) {
        switch XMLElementCollector.localName(elementName) {
        case "row":
            rowNumber = attributeDict["r"].flatMap { Int($0) } ?? nextRowNumber
            cells.removeAll(keepingCapacity: true)
        case "c":
            inCell = true
            let previous = cells.last?.column ?? -1
            cellColumn = attributeDict["r"].flatMap(XLSXCell.column(ofReference:)) ?? previous + 1
            cellType = attributeDict["t"] ?? "n"
            value = ""
            inlineText = ""
        case "v":
            collectingValue = inCell
        case "is":
            inInlineString = inCell
        case "rPh":
            phoneticDepth += 1
        case "t":
            collectingInline = inInlineString && phoneticDepth == 0
        default:
            break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if collectingValue {
            value += string
        } else if collectingInline {
            inlineText += string
        }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        switch XMLElementCollector.localName(elementName) {
        case "v":
            collectingValue = false
        case "t":
            collectingInline = false
        case "is":
            inInlineString = false
        case "rPh":
            phoneticDepth -= 1
        case "c":
            inCell = false
            guard let cell = resolveCell() else {
                fail(ContactsError(.invalidWorkbook("a cell refers to shared string \(value), which does not exist"), file: file, line: rowNumber), parser)
                return
            }
            if !cell.text.isEmpty { cells.append(cell) }
        case "sheetData":
            reachedEnd = true
        case "row":
            nextRowNumber = rowNumber + 1
            do {
                try onRow(rowNumber, cells)
            } catch {
                fail(error, parser)
            }
        default:
            break
        }
    }

    private func fail(_ error: any Error, _ parser: XMLParser) {
        if failure == nil { failure = error }
        parser.abortParsing()
    }

    private func resolveCell() -> XLSXCell? {
        switch cellType {
        case "s":
            guard let index = Int(value.trimmingCharacters(in: .whitespaces)), sharedStrings.indices.contains(index) else {
                return nil
            }
            return XLSXCell(column: cellColumn, text: sharedStrings[index], isNumber: false)
        case "inlineStr":
            return XLSXCell(column: cellColumn, text: inlineText, isNumber: false)
        case "str", "e":
            return XLSXCell(column: cellColumn, text: value, isNumber: false)
        case "b":
            return XLSXCell(column: cellColumn, text: value == "1" ? "TRUE" : value.isEmpty ? "" : "FALSE", isNumber: false)
        default:
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            return XLSXCell(column: cellColumn, text: trimmed.isEmpty ? "" : XLSXNumber.plain(trimmed), isNumber: true)
        }
    }
}
