import ArgumentParser
import Contacts
import Foundation
import Siaran
import Templates

struct MessageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "message",
        abstract: "Work with campaign messages.",
        subcommands: [Preview.self, Write.self, Improve.self]
    )

    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print messages exactly as they would be sent, for different contacts, variants and spin choices.",
            discussion: """
                Without --contacts, sample numbers are used and only built-in variables ({phone}, {date}, \
                {campaign}) and fallbacks have values. Problems that would stop the campaign (a variable no \
                contact has, a message over WhatsApp's limit) are printed with FILE:LINE:COL and exit 1.
                """
        )

        @Argument(help: "message.txt or a template file.")
        var file: String

        @Option(help: "A contact list (TXT, CSV or XLSX) whose columns fill the variables.")
        var contacts: String?

        @Option(help: "How many messages to show.")
        var count: Int = 3

        @Option(help: "Campaign id; choices are seeded by it, as in a real campaign.")
        var campaign: String = "preview"

        @Flag(help: "Check against the caption limit, as for a message sent with an image.")
        var image = false

        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            let configuration = (try? ConfigurationLoader().load(file: options.path)) ?? SiaranConfiguration()
            guard let data = FileManager.default.contents(atPath: file) else {
                printError("\(file): cannot read the file")
                throw ExitCode(2)
            }
            let template: MessageTemplate
            do {
                template = try MessageTemplate(data: data, file: file)
            } catch {
                printError(error.description)
                throw ExitCode(1)
            }

            var people: [(phone: String, variables: [String: String])] = []
            var columns: [String] = []
            if let contacts {
                do {
                    let result = try ContactListReader(file: contacts, configuration: configuration.contacts).check()
                    columns = result.header.variableNames
                    people = result.accepted.prefix(max(count, 1)).map { contact in
                        (contact.phone.description, Dictionary(zip(columns, contact.variables), uniquingKeysWith: { a, _ in a }))
                    }
                } catch {
                    printError("\(error)")
                    throw ExitCode(2)
                }
            }
            if people.isEmpty {
                people = (0..<max(count, 1)).map { ("62812000000\(String(format: "%02d", $0))", [:]) }
            }

            let renderer = MessageRenderer(configuration: configuration.message, columns: columns)
            let check = renderer.check(template, hasMedia: image)
            for warning in check.warnings { printError("warning: \(warning)") }
            if !check.errors.isEmpty {
                for error in check.errors { printError(error.description) }
                throw ExitCode(1)
            }
            let timeZone = TimeZone(identifier: configuration.pipeline.sending.timeZone) ?? .current
            for (index, person) in people.prefix(count).enumerated() {
                let context = RenderContext(phone: person.phone, variables: person.variables, campaignId: campaign, timeZone: timeZone)
                let rendered = try renderer.render(template, for: context, hasMedia: image)
                let variant = template.variants.count > 1 ? ", variant \(rendered.variantName)" : ""
                print("── \(index + 1). to \(person.phone)\(variant) ── \(rendered.text.utf16.count) characters")
                print(rendered.text)
                print()
            }
        }
    }
}
