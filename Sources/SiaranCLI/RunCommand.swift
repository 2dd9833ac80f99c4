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
        let application = try await SiaranApplication(configuration: configuration)
        if once {
            let (transport, whatsapp) = try await application.makeTransport()
            if let whatsapp {
                await whatsapp.start()
                for session in whatsapp.sessions.values where !(await session.waitUntilConnected(timeout: .seconds(30))) {
                    printError("session \(session.name) did not connect within 30 s (is it linked? `siaran login \(session.name)`)")
                }
            }
            let pipeline = PipelineService(context: application.pipelineContext(transport: transport), once: true)
            try await pipeline.run()
            await whatsapp?.stop()
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
