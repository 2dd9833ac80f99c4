import ArgumentParser
import AIWriting
import Siaran

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Inspect the configuration.",
        subcommands: [Check.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a pipeline.yaml: exit 0 with a summary, or 1 with FILE:LINE:COL: lines."
        )

        @Argument(help: "The file to check (default: pipeline.yaml or SIARAN_CONFIG).")
        var file: String?

        func run() async throws {
            let path = file ?? ProcessInfoEnvironment.value("SIARAN_CONFIG") ?? "pipeline.yaml"
            do {
                let c = try ConfigurationLoader().load(file: path)
                let s = c.pipeline.sending
                print(
                    "\(path): ok — country \(c.contacts.countryCode), min \(c.contacts.minDigits) digits, "
                        + "delay \(trim(s.delayMinimum))–\(trim(s.delayMaximum)) s, window \(s.window) \(s.timeZone), "
                        + "caps \(s.hourlyCap)/h \(s.dailyCap)/day, transport \(s.transport.rawValue)"
                        + (c.ai.map { ", ai \($0.summary)" } ?? "")
                )
            } catch let error as ConfigurationError {
                printError(error.description)
                throw ExitCode(1)
            }
        }

        private func trim(_ value: Double) -> String {
            value == value.rounded() ? String(Int(value)) : String(value)
        }
    }
}
