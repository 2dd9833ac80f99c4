import Foundation

/// The worksheets of a workbook (names in tab order, part paths) and its shared-strings part.
struct XLSXWorkbook {
    struct Sheet: Equatable {
        var name: String
        var path: String
    }

    var sheets: [Sheet]
    var sharedStringsPath: String?

    static func load(_ package: XLSXPackage) throws(ContactsError) -> XLSXWorkbook {
        let file = package.file
        func relationships(_ path: String) throws(ContactsError) -> [(type: String, target: String, id: String)] {
            guard let elements = XMLElementCollector.collect(["Relationship"], from: try package.data(path)) else {
                throw ContactsError(.invalidWorkbook("\(path) is not valid XML"), file: file)
            }
            return elements.map {
                ($0.attributes["Type"] ?? "", $0.attributes["Target"] ?? "", $0.attributes["Id"] ?? "")
            }
        }
        guard package.contains("_rels/.rels") else {
            throw ContactsError(.invalidWorkbook("a ZIP archive, but not an Excel workbook"), file: file)
        }
        let root = try relationships("_rels/.rels")
        guard let office = root.first(where: { $0.type.hasSuffix("/officeDocument") }) else {
            throw ContactsError(.invalidWorkbook("no workbook inside (perhaps a Word or PowerPoint file)"), file: file)
        }
        let workbookPath = XLSXPackage.resolve(office.target, relativeTo: "")
        guard let sheetElements = XMLElementCollector.collect(["sheet"], from: try package.data(workbookPath)) else {
            throw ContactsError(.invalidWorkbook("\(workbookPath) is not valid XML"), file: file)
        }
        let folder = (workbookPath as NSString).deletingLastPathComponent
        let relsPath = (folder.isEmpty ? "" : folder + "/") + "_rels/" + (workbookPath as NSString).lastPathComponent + ".rels"
        let links = package.contains(relsPath) ? try relationships(relsPath) : []
        var sheets: [Sheet] = []
        for element in sheetElements {
            guard let name = element.attributes["name"],
                  let id = XMLElementCollector.attribute("id", in: element.attributes),
                  let link = links.first(where: { $0.id == id })
            else { continue }
            // Chart sheets and macro sheets have other relationship types and no cells.
            guard link.type.hasSuffix("/worksheet") else { continue }
            sheets.append(Sheet(name: name, path: XLSXPackage.resolve(link.target, relativeTo: workbookPath)))
        }
        guard !sheets.isEmpty else { throw ContactsError(.invalidWorkbook("it has no worksheet"), file: file) }
        let shared = links.first { $0.type.hasSuffix("/sharedStrings") }
            .map { XLSXPackage.resolve($0.target, relativeTo: workbookPath) }
        return XLSXWorkbook(sheets: sheets, sharedStringsPath: shared)
    }
}
