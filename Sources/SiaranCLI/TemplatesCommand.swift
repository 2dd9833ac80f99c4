import ArgumentParser
import Siaran
import Templates

struct TemplatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "templates",
        abstract: "Named message templates in templates/.",
        subcommands: [List.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the templates with their language, variants and description.")

        @OptionGroup var options: ConfigurationOptions

        @Option(help: "Templates folder (default: paths.templates from the configuration).")
        var folder: String?

        func run() async throws {
            let path = try folder ?? options.load().paths.templates
            let (entries, errors) = TemplateLibrary(folder: path).load()
            for error in errors { printError(error.description) }
            if entries.isEmpty {
                print("no templates in \(path)")
            }
            let width = entries.map(\.name.count).max() ?? 0
            for entry in entries {
                let metadata = entry.template.metadata
                let variants = entry.template.variants.count
                let name = entry.name.padding(toLength: width, withPad: " ", startingAt: 0)
                print("\(name)  \(metadata.language ?? "--")  \(variants) variant\(variants == 1 ? " " : "s")  \(metadata.description ?? "")")
            }
            if !errors.isEmpty { throw ExitCode(1) }
        }
    }
}
