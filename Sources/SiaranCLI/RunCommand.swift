import ArgumentParser
import Pipeline
import ServiceLifecycle
import Siaran

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: watch inbox/ and process campaigns until stopped (Ctrl-C)."
    )

    @OptionGroup var options: ConfigurationOptions

    @Flag(help: "Process what is ready in inbox/ and due in the queue, then exit (for cron). Exit 1 if a campaign failed.")
    var once = false

    func run() async throws {
        let configuration = try options.load()
        let application = try await SiaranApplication(configuration: configuration, configurationFile: options.path)
        if once {
            // The daemon's services, so receipts and STOP replies arriving meanwhile are recorded.
            let (group, pipeline) = try await application.onceServiceGroup()
            try await group.run()
            let failed = pipeline.failedCampaigns
            if !failed.isEmpty {
                printError("failed campaigns: \(failed.joined(separator: ", ")) (see errors.txt in their outbox folders; `siaran status` lists them)")
                throw ExitCode(1)
            }
            return
        }
        application.logger.info(
            "siaran \(SiaranVersion.current) starting",
            metadata: [
                "config": "\(options.path)",
                "inbox": "\(configuration.paths.inbox)",
                "outbox": "\(configuration.paths.outbox)",
                "state": "\(configuration.paths.state)",
            ]
        )
        let group: ServiceGroup
        do {
            group = try await application.serviceGroup()
        } catch let error as ConfigurationError {
            printError(error.description)
            throw ExitCode(1)
        }
        try await group.run()
        application.logger.info("siaran stopped")
    }
}
