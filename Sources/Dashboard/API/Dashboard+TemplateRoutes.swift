import Foundation
import Hummingbird
import Templates

extension Dashboard {
    struct TemplateInfo: Codable, Sendable {
        var name: String
        /// The file in the templates folder (`promo.txt`).
        var file: String
        var description: String?
        var language: String?
        var tags: [String]
        var variants: Int
        /// The file as written (front matter included).
        var body: String
        /// The message a sample contact (name Budi) gets, opt-out footer included.
        var sample: String?
        /// What a campaign using it should know (variables that need a column, length).
        var notes: [String]
    }

    struct TemplateProblem: Codable, Sendable {
        var file: String
        var line: Int
        var column: Int
        var message: String
    }

    struct TemplateList: Codable, Sendable {
        var templates: [TemplateInfo]
        /// Files in the folder that cannot be used as they are.
        var problems: [TemplateProblem]
    }

    struct TemplateBody: Codable, Sendable { var body: String }

    var templateLibrary: TemplateLibrary { TemplateLibrary(folder: configuration.templates) }

    func addTemplateRoutes(to router: Router<DashboardContext>) {
        router.get("/api/templates") { _, context in
            try context.require(.viewer)
            return try JSONResponse.make(self.templateList())
        }
        router.get("/api/templates/:name") { _, context in
            try context.require(.viewer)
            let name = try Self.templateName(try context.parameters.require("name"))
            guard let entry = self.templateLibrary.load().entries.first(where: { $0.name.lowercased() == name.lowercased() }) else {
                throw DashboardError(.notFound, "no template named '\(name)'")
            }
            return try JSONResponse.make(self.templateInfo(entry))
        }
        // Creates or replaces a template; nothing is written unless the parser accepts it.
        router.put("/api/templates/:name") { request, context in
            let user = try context.require(.operator)
            let name = try Self.templateName(try context.parameters.require("name"))
            // Stored with LF line breaks, as the template parser reads them.
            let body = try await JSONResponse.decode(TemplateBody.self, from: request, limit: 80 * 1024).body
                .replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            let (entry, created) = try self.saveTemplate(name: name, body: body)
            try await self.audit.record(user.username, created ? "template.create" : "template.update", target: entry.name,
                                        detail: "\(body.utf8.count) bytes")
            return try JSONResponse.make(self.templateInfo(entry), status: created ? .created : .ok)
        }
        router.delete("/api/templates/:name") { _, context in
            let user = try context.require(.operator)
            let name = try Self.templateName(try context.parameters.require("name"))
            let library = self.templateLibrary.load()
            // A file that no longer parses can still be deleted by its file name.
            let file = library.entries.first { $0.name.lowercased() == name.lowercased() }?.file
                ?? (try? Self.newTemplateName(name)).flatMap { _ in
                    ["txt", "md"].map { (self.configuration.templates as NSString).appendingPathComponent("\(name).\($0)") }
                        .first { FileManager.default.fileExists(atPath: $0) }
                }
            guard let file else { throw DashboardError(.notFound, "no template named '\(name)'") }
            try FileManager.default.removeItem(atPath: file)
            try await self.audit.record(user.username, "template.delete", target: name, detail: (file as NSString).lastPathComponent)
            return try JSONResponse.make(ActionResult(message: "deleted template \(name)"))
        }
    }

    func templateList() -> TemplateList {
        let (entries, errors) = templateLibrary.load()
        return TemplateList(templates: entries.map(templateInfo), problems: errors.map {
            TemplateProblem(file: (($0.file ?? "") as NSString).lastPathComponent, line: $0.line, column: $0.column, message: $0.message)
        })
    }

    /// A template name from a URL. Existing templates are found by whatever their front matter
    /// calls them (never a path: no `/`, no leading `.`); see ``newTemplateName(_:)`` for new ones.
    static func templateName(_ text: String) throws -> String {
        let name = text.removingPercentEncoding ?? text
        try SafeName.check(name, what: "template name")
        return name
    }

    /// The name of a new template: letters, digits, `-` and `_` only, since it becomes `NAME.txt`.
    static func newTemplateName(_ name: String) throws {
        guard name.count <= 64, name.first.map({ $0.isLetter || $0.isNumber }) == true,
              name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }) else {
            throw DashboardError(.badRequest, "template name '\(name.prefix(64))' may only use letters, digits, - and _ (at most 64)")
        }
    }

    /// Parses `body` with the template parser and writes it atomically to the template's file
    /// (`NAME.txt` for a new one). Syntax errors come back as 400 with line and column.
    func saveTemplate(name: String, body: String) throws -> (TemplateLibrary.Entry, created: Bool) {
        guard body.utf8.count <= 64 * 1024 else { throw DashboardError(.tooLarge, "a template is at most 64 KiB") }
        let library = templateLibrary.load()
        let existing = library.entries.first { $0.name.lowercased() == name.lowercased() }
        if existing == nil { try Self.newTemplateName(name) }
        let path = existing?.file ?? (configuration.templates as NSString).appendingPathComponent("\(name).txt")
        let fileName = (path as NSString).lastPathComponent
        let template: MessageTemplate
        do {
            template = try MessageTemplate(text: body, file: fileName)
        } catch {
            throw DashboardError(.badRequest, error.description, line: error.line > 0 ? error.line : nil, column: error.column > 0 ? error.column : nil)
        }
        if let declared = template.metadata.name, declared.lowercased() != name.lowercased() {
            throw DashboardError(.badRequest, "the front matter names this template '\(declared)'; save it as \(declared) or change name:")
        }
        // `{a b}` is not a variable: refuse it now rather than when a campaign renders it.
        let check = MessageRenderer(configuration: configuration.message, columns: ["name"]).check(template, hasMedia: false)
        if let invalid = check.errors.first(where: { $0.code == .notAVariableName }) {
            throw DashboardError(.badRequest, invalid.description, line: invalid.line, column: invalid.column)
        }
        if existing == nil, let owner = library.entries.first(where: { $0.file == path }) {
            throw DashboardError(.conflict, "\(fileName) already holds the template '\(owner.name)'")
        }
        do {
            try FileManager.default.createDirectory(atPath: configuration.templates, withIntermediateDirectories: true)
            try Data(body.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw DashboardError(.unavailable, "cannot write \(fileName) in the templates folder: \(error.localizedDescription)")
        }
        // Read back through the library, exactly as a campaign's `template: NAME` will find it.
        guard let saved = templateLibrary.load().entries.first(where: { $0.file == path }) else {
            throw DashboardError(.conflict, "\(fileName) was written but the templates folder does not list it under '\(name)'")
        }
        return (saved, existing == nil)
    }

    func templateInfo(_ entry: TemplateLibrary.Entry) -> TemplateInfo {
        let body = FileManager.default.contents(atPath: entry.file).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let renderer = MessageRenderer(configuration: configuration.message, columns: ["name"])
        let check = renderer.check(entry.template, hasMedia: false)
        // Without a contact list, "no contact has this column" warnings say nothing; errors stay.
        var notes = check.errors.map(\.message)
        var sample: String?
        do {
            sample = try renderer.render(entry.template, for: RenderContext(
                phone: Self.samplePhone, variables: ["name": "Budi"], campaignId: "sample", campaignName: entry.name,
                date: Date(), timeZone: TimeZone(identifier: configuration.timeZone) ?? .current)).text
        } catch {
            notes.append(error.message)
        }
        let metadata = entry.template.metadata
        return TemplateInfo(name: entry.name, file: (entry.file as NSString).lastPathComponent, description: metadata.description,
                            language: metadata.language, tags: metadata.tags, variants: entry.template.variants.count, body: body,
                            sample: sample, notes: notes)
    }
}
