import ArgumentParser
import Siaran

@main
struct SiaranCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "siaran",
        abstract: "WhatsApp broadcast campaigns from a watch folder.",
        discussion: """
            Drop numbers.txt, message.txt and an optional promo.jpg into inbox/; Siaran validates,
            dedupes, compresses, schedules and sends them, and writes reports into outbox/.
            """,
        version: SiaranVersion.current,
        subcommands: [
            RunCommand.self, ConfigCommand.self, CampaignsCommand.self, PauseCommand.self, ResumeCommand.self, CancelCommand.self,
            StatusCommand.self, ClusterCommand.self, InboxCommand.self, AutoReplyCommand.self, ContactsCommand.self, MessageCommand.self, TemplatesCommand.self, SimulatorCommand.self,
            LoginCommand.self, SessionsCommand.self, DemoCommand.self,
            MediaCommand.self, StatsCommand.self,
            ReportCommand.self, UsersCommand.self, DatabaseCommand.self, BackupCommand.self, RestoreCommand.self,
        ]
    )
}

/// Options every command that reads the configuration shares.
struct ConfigurationOptions: ParsableArguments {
    @Option(name: [.customShort("c"), .long], help: "The pipeline configuration file (env SIARAN_CONFIG).")
    var config: String?

    var path: String {
        config ?? ProcessInfoEnvironment.value("SIARAN_CONFIG") ?? "pipeline.yaml"
    }

    func load() throws -> SiaranConfiguration {
        do {
            return try ConfigurationLoader().load(file: path)
        } catch let error as ConfigurationError {
            printError(error.description)
            throw ExitCode(1)
        }
    }
}
