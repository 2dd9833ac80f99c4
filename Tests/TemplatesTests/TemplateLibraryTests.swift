import Foundation
import Testing
@testable import Templates

@Suite("Template library")
struct TemplateLibraryTests {
    static let repositoryTemplates = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("templates").path

    @Test("the repository's templates all load, with names, languages and descriptions")
    func repositoryTemplates() throws {
        let (entries, errors) = TemplateLibrary(folder: Self.repositoryTemplates).load()
        #expect(errors.isEmpty, "\(errors)")
        #expect(entries.count >= 3)
        #expect(Set(entries.compactMap(\.template.metadata.language)).isSuperset(of: ["id", "en"]))
        for entry in entries {
            #expect(entry.template.metadata.description?.isEmpty == false, "\(entry.name) has no description")
            let check = MessageRenderer(columns: ["name", "nama", "city", "kota"]).check(entry.template, hasMedia: true)
            #expect(check.errors.isEmpty, "\(entry.name): \(check.errors)")
        }
    }

    @Test("templates are found by name, ignoring case; a missing one lists what exists")
    func lookup() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("templates-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "---\nname: Flash Sale\n---\nDiskon!".write(to: folder.appendingPathComponent("a.txt"), atomically: true, encoding: .utf8)
        try "Halo {name|Kak}".write(to: folder.appendingPathComponent("sapa.md"), atomically: true, encoding: .utf8)
        try "draft".write(to: folder.appendingPathComponent("~sapa.txt.tmp"), atomically: true, encoding: .utf8)
        let library = TemplateLibrary(folder: folder.path)
        #expect(library.load().entries.map(\.name) == ["Flash Sale", "sapa"])
        #expect(try library.template(named: "flash sale").variantSources == ["Diskon!"])
        #expect(throws: TemplateError.self) { try library.template(named: "nope") }
    }

    @Test("the example message.txt renders with the example numbers")
    func exampleMessage() throws {
        let root = URL(fileURLWithPath: Self.repositoryTemplates).deletingLastPathComponent()
        let template = try MessageTemplate(data: Data(contentsOf: root.appendingPathComponent("message.txt")), file: "message.txt")
        let renderer = MessageRenderer()
        #expect(renderer.check(template, hasMedia: true).errors.isEmpty)
        let text = try renderer.render(template, for: RenderContext(phone: "6281234567890", campaignId: "demo"), hasMedia: true).text
        #expect(text.contains("Kak!"))
        #expect(text.hasSuffix("Balas STOP untuk berhenti menerima pesan."))
    }
}

extension TemplateLibraryTests {
    @Test("a file saved on Windows (CRLF) keeps its front matter and its --- variants")
    func windowsLineBreaks() throws {
        let text = "---\r\nname: promo\r\nlanguage: id\r\n---\r\nHalo {name|Kak}\r\nBaris dua\r\n---\r\nHai {name|Kak}\r\n"
        let template = try MessageTemplate(data: Data(text.utf8), file: "message.txt")
        #expect(template.metadata.name == "promo")
        #expect(template.metadata.language == "id")
        #expect(template.variants.count == 2)
        #expect(template.variantSources == ["Halo {name|Kak}\nBaris dua", "Hai {name|Kak}"])
    }
}
