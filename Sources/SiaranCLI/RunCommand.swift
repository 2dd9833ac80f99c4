import ArgumentParser
import Siaran

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: watch inbox/ and process campaigns until stopped (Ctrl-C)."
    )

    @OptionGroup var options: ConfigurationOptions

    func run() async throws {
        let configuration = try options.load()
        let application = try SiaranApplication(configuration: configuration)
        application.logger.info(
            "siaran \(SiaranVersion.current) starting",
            metadata: [
                "config": "\(options.path)",
                "inbox": "\(configuration.paths.inbox)",
                "outbox": "\(configuration.paths.outbox)",
                "state": "\(configuration.paths.state)",
            ]
        )
        try await application.serviceGroup().run()
        application.logger.info("siaran stopped")
    }
}
