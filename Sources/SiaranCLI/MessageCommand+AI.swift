import AIWriting
import ArgumentParser
import Contacts
import Foundation
import Siaran
import Templates

extension MessageCommand {
    /// `siaran message write --prompt "…"`: variants drafted by the `ai:` model, each one passed
    /// through the template checker before it is printed or written.
    struct Write: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draft a message with the language model of pipeline.yaml (ai:); every variant is checked before it is shown.",
            discussion: """
                The model drafts; Siaran checks each variant (WhatsApp's length limit with the opt-out line, \
                only variables the contact list has or {name|Kak}-style fallbacks, no opt-out line of its own, \
                WhatsApp formatting only). A variant that fails goes back to the model once with the checker's \
                words, then is dropped with a note. Nothing is sent: read the file, change it, and drop it \
                into inbox/ yourself. Variants are separated by --- lines (an A/B test).
                """
        )

        @Option(help: "What the message should say, e.g. \"Promo kopi susu beli 1 gratis 1 akhir pekan\".")
        var prompt: String

        @Option(help: "How many variants to write (1–5).")
        var variants: Int = 3

        @Option(help: "The message's language: id or en.")
        var language: String = "id"

        @Option(help: "santai (casual) or formal.")
        var tone: String = "santai"

        @Option(help: "The contact list (TXT, CSV or XLSX) the message is for: its columns are the variables a variant may use.")
        var contacts: String?

        @Flag(help: "The message goes with a picture: the caption limit applies.")
        var image = false

        @Option(help: "Write the variants to this file (it must not exist yet).")
        var out: String?

        @OptionGroup var options: ConfigurationOptions

        func validate() throws {
            guard (1...5).contains(variants) else { throw ValidationError("--variants must be between 1 and 5") }
            guard PromptLibrary.Language(rawValue: language) != nil else { throw ValidationError("--language must be id or en") }
            guard MessageWriter.Tone(rawValue: tone) != nil else { throw ValidationError("--tone must be santai or formal") }
            guard !prompt.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw ValidationError("--prompt is empty; say what the message is about") }
        }

        func run() async throws {
            let configuration = try options.load()
            let writer = try AICommand.writer(configuration, path: options.path)
            if let out, FileManager.default.fileExists(atPath: out) {
                printError("\(out) already exists; choose another --out or remove it first")
                throw ExitCode(2)
            }
            let audience = try AICommand.audience(contacts: contacts, image: image, configuration: configuration)
            let draft: MessageWriter.Draft
            do {
                draft = try await writer.write(prompt: prompt, count: variants, language: PromptLibrary.Language(rawValue: language) ?? .indonesian,
                                               tone: MessageWriter.Tone(rawValue: tone) ?? .santai, audience: audience)
            } catch {
                AICommand.report(error)
                throw ExitCode(1)
            }
            for (index, text) in draft.variants.enumerated() {
                print("── variant \(MessageTemplate.variantName(index)) ── \(text.utf16.count) characters before the opt-out line")
                print(text)
                print()
            }
            for note in draft.notes { printError("note: \(note)") }
            if let out {
                do {
                    try Data(draft.fileText.utf8).write(to: URL(fileURLWithPath: out), options: .withoutOverwriting)
                } catch {
                    printError("\(out): cannot write the file (\(error.localizedDescription))")
                    throw ExitCode(2)
                }
                print("wrote \(out) (\(draft.variants.count) variant\(draft.variants.count == 1 ? "" : "s"), by \(draft.model)); read it, then check it with `siaran message preview \(out)`")
            }
        }
    }

    /// `siaran message improve FILE --goal …`: the improved text and a diff; the file is only
    /// replaced with `--write`.
    struct Improve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Improve a message with the language model of pipeline.yaml (ai:): prints the new text and a diff.",
            discussion: """
                Each variant is improved towards the goal, keeping its facts and variables, and checked like any \
                message. FILE is never changed unless you add --write (or --out NEW to write elsewhere).
                """
        )

        @Argument(help: "message.txt or a template file (front matter is kept as it is).")
        var file: String

        @Option(help: "shorter, clearer, friendlier or more-formal.")
        var goal: String = "clearer"

        @Option(help: "The contact list the message is for (its columns are the variables it may use).")
        var contacts: String?

        @Flag(help: "The message goes with a picture: the caption limit applies.")
        var image = false

        @Option(help: "Language of the explanations: id or en.")
        var language: String = "id"

        @Flag(help: "Replace FILE with the improved text.")
        var write = false

        @Option(help: "Write the improved text to this file instead (it must not exist yet).")
        var out: String?

        @OptionGroup var options: ConfigurationOptions

        func validate() throws {
            guard MessageWriter.Goal(rawValue: goal) != nil else {
                throw ValidationError("--goal must be one of \(MessageWriter.Goal.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard PromptLibrary.Language(rawValue: language) != nil else { throw ValidationError("--language must be id or en") }
            if write && out != nil { throw ValidationError("use either --write or --out, not both") }
        }

        func run() async throws {
            let configuration = try options.load()
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                printError("\(file): cannot read the file as UTF-8 text")
                throw ExitCode(2)
            }
            if let out, FileManager.default.fileExists(atPath: out) {
                printError("\(out) already exists; choose another --out or remove it first")
                throw ExitCode(2)
            }
            let writer = try AICommand.writer(configuration, path: options.path)
            let audience = try AICommand.audience(contacts: contacts, image: image, configuration: configuration)
            let improvement: MessageWriter.Improvement
            do {
                improvement = try await writer.improve(text, file: file, goal: MessageWriter.Goal(rawValue: goal) ?? .clearer,
                                                       language: PromptLibrary.Language(rawValue: language) ?? .indonesian, audience: audience)
            } catch let error as TemplateError {
                printError(error.description)
                throw ExitCode(1)
            } catch let error as AIError {
                AICommand.report(error)
                throw ExitCode(1)
            }
            print("── improved (\(improvement.model)) ──")
            print(improvement.text.trimmingCharacters(in: .newlines))
            print()
            let changes = improvement.variants.enumerated().flatMap { index, variant in
                variant.changes.map { improvement.variants.count > 1 ? "variant \(MessageTemplate.variantName(index)): \($0)" : $0 }
            }
            if !changes.isEmpty {
                print("── what changed ──")
                for change in changes { print("• \(change)") }
                print()
            }
            print("── diff (- before, + after) ──")
            print(TextDiff.render(improvement.diff))
            for note in improvement.notes { printError("note: \(note)") }
            let target = write ? file : out
            guard let target else {
                print("\n(\(file) is unchanged: add --write to replace it, or --out FILE to save the improved text elsewhere)")
                return
            }
            do {
                try Data(improvement.text.utf8).write(to: URL(fileURLWithPath: target), options: write ? .atomic : .withoutOverwriting)
            } catch {
                printError("\(target): cannot write the file (\(error.localizedDescription))")
                throw ExitCode(2)
            }
            print("\nwrote \(target)")
        }
    }
}

/// What `message write` and `message improve` share.
enum AICommand {
    static func writer(_ configuration: SiaranConfiguration, path: String) throws -> MessageWriter {
        let services: AIServices?
        do {
            services = try AIServices.quiet(configuration)
        } catch {
            report(error)
            throw ExitCode(1)
        }
        guard let services else {
            printError("AI writing is not configured: add an ai: section to \(path) (provider, model; the key in .env). See docs/operator-guide.md.")
            throw ExitCode(2)
        }
        return services.writer
    }

    /// The columns and longest values of a contact list, as the checks need them.
    static func audience(contacts: String?, image: Bool, configuration: SiaranConfiguration) throws -> MessageWriter.Audience {
        var audience = MessageWriter.Audience(hasMedia: image)
        guard let contacts else { return audience }
        do {
            let result = try ContactListReader(file: contacts, configuration: configuration.contacts).check()
            audience.columns = result.header.variableNames
            for contact in result.accepted {
                for (key, value) in zip(audience.columns, contact.variables) {
                    audience.longestValues[key] = max(audience.longestValues[key] ?? 0, value.utf16.count)
                }
            }
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
        return audience
    }

    /// The failure in English and Bahasa Indonesia.
    static func report(_ error: AIError) {
        printError("error: \(error.english)")
        printError("galat: \(error.indonesian)")
    }
}
