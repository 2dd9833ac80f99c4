public import Foundation

/// The named templates in `templates/`: one file each (`.txt` or `.md`), named by the `name:` in
/// its front matter or else by its file name. A campaign refers to one with `template: NAME`.
public struct TemplateLibrary: Sendable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var file: String
        public var template: MessageTemplate
    }

    public let folder: String

    public init(folder: String) {
        self.folder = folder
    }

    /// Every template in the folder, sorted by name, and the files that could not be read.
    public func load() -> (entries: [Entry], errors: [TemplateError]) {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: folder) else {
            return ([], [TemplateError(.templateNotFound, file: folder, message: "the templates folder cannot be read")])
        }
        var entries: [Entry] = []
        var errors: [TemplateError] = []
        for fileName in names.sorted() where Self.isTemplateFile(fileName) {
            let path = (folder as NSString).appendingPathComponent(fileName)
            guard let data = fm.contents(atPath: path) else {
                errors.append(TemplateError(.templateNotFound, file: path, message: "the file cannot be read"))
                continue
            }
            do {
                let template = try MessageTemplate(data: data, file: path)
                let name = template.metadata.name ?? (fileName as NSString).deletingPathExtension
                if let existing = entries.first(where: { $0.name.lowercased() == name.lowercased() }) {
                    errors.append(TemplateError(.invalidFrontMatter, file: path, message: "the name '\(name)' is already used by \(existing.file)"))
                    continue
                }
                entries.append(Entry(name: name, file: path, template: template))
            } catch {
                errors.append(error)
            }
        }
        return (entries.sorted { $0.name.lowercased() < $1.name.lowercased() }, errors)
    }

    /// The template called `name` (ignoring case).
    public func template(named name: String) throws(TemplateError) -> MessageTemplate {
        let (entries, _) = load()
        guard let entry = entries.first(where: { $0.name.lowercased() == name.lowercased() }) else {
            let known = entries.map(\.name).joined(separator: ", ")
            throw TemplateError(.templateNotFound, file: folder,
                                message: "no template named '\(name)'" + (known.isEmpty ? "" : "; available: \(known)"))
        }
        return entry.template
    }

    static func isTemplateFile(_ name: String) -> Bool {
        !name.hasPrefix(".") && !name.hasPrefix("~") && (name.hasSuffix(".txt") || name.hasSuffix(".md"))
    }
}
