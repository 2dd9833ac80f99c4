import ArgumentParser
import Foundation
import Pipeline
import Siaran
import Store

struct CampaignsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "campaigns",
        abstract: "List campaigns and show their progress.",
        subcommands: [List.self, Show.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every campaign, newest first, with its state and counts.")
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            let configuration = try options.load()
            let database = try await openDatabase(configuration)
            let campaigns = try await database.allCampaigns()
            if campaigns.isEmpty { print("no campaigns yet") }
            for campaign in campaigns {
                let counts = try await database.messageCounts(of: campaign.id)
                let sent = counts.sent + counts.delivered + counts.read
                print("\(campaign.id)  \(campaign.state.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0))  sent \(sent)/\(counts.total)  failed \(counts.failed)  outbox/\(campaign.folderName)/  \(campaign.name)")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One campaign: state, counts, stages done, and where its files are.")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "The campaign id (see `siaran campaigns list`).") var id: String

        func run() async throws {
            let configuration = try options.load()
            let database = try await openDatabase(configuration)
            guard let campaign = try await database.campaign(id) else {
                printError("no campaign \(id); see `siaran campaigns list`")
                throw ExitCode(1)
            }
            let counts = try await database.messageCounts(of: id)
            let stages = try await database.completedStages(of: id)
            print("campaign  \(campaign.id) (\(campaign.name))")
            print("state     \(campaign.state.rawValue)\(campaign.failureReason.map { " — \($0)" } ?? "")")
            print("messages  total \(counts.total), pending \(counts.pending + counts.sending + counts.retrying), sent \(counts.sent + counts.delivered + counts.read), delivered \(counts.delivered + counts.read), read \(counts.read), replied \(counts.replied), failed \(counts.failed)")
            print("created   \(configuration.readable(campaign.createdAt))" + (campaign.sendAt.map { ", send at \(configuration.readable($0))" } ?? ""))
            print("stages    \(CampaignStage.allCases.filter(stages.contains).map(\.rawValue).joined(separator: " → "))")
            print("files     \((configuration.paths.outbox as NSString).appendingPathComponent(campaign.folderName))/")
            // The plan for what is still to send: per session per day, warm and cold, the estimated finish.
            if campaign.state.isOpen, counts.pending + counts.sending + counts.retrying > 0 {
                let options = campaign.options.flatMap { try? JSONDecoder().decode(CampaignOptions.self, from: Data($0.utf8)) }
                let plan = try await CampaignPlan.load(campaign: id, database: database, sending: configuration.pipeline.sending,
                                                       sessions: configuration.whatsapp.sessions, options: options,
                                                       now: max(Date(), campaign.sendAt ?? .distantPast))
                for line in plan.lines(english: true) { print(line) }
            }
        }
    }
}

/// `siaran pause|resume|cancel ID`: the same control files staff can create by hand, then
/// waiting until the daemon shows the change in the campaign's state.
enum CampaignControl {
    enum Action: String { case pause, resume, cancel }

    static func perform(_ action: Action, id: String, options: ConfigurationOptions, timeout: Double) async throws {
        let configuration = try options.load()
        let database = try await openDatabase(configuration)
        guard let campaign = try await database.campaign(id) else {
            printError("no campaign \(id); see `siaran campaigns list`")
            throw ExitCode(1)
        }
        let folder = (configuration.paths.outbox as NSString).appendingPathComponent(campaign.folderName)
        guard campaign.state.isOpen else {
            printError("campaign \(id) is already \(campaign.state.rawValue)")
            throw ExitCode(1)
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let wanted: Set<String>
        switch action {
        case .pause:
            try Data().write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("PAUSE")))
            wanted = ["paused"]
        case .resume:
            try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent("PAUSE"))
            wanted = ["sending", "done", "scheduled", "queued", "waiting-approval"]
        case .cancel:
            try Data().write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("CANCEL")))
            wanted = ["cancelled"]
        }
        // A campaign that is not sending right now takes the change when it next sends.
        guard campaign.state == .sending || campaign.state == .paused else {
            print("\(action.rawValue): recorded for \(id) (\(campaign.state.rawValue)); it applies before its next message")
            return
        }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let state = try await database.campaign(id)?.state.rawValue, wanted.contains(state) {
                print("\(id): \(state)")
                return
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        printError("the daemon did not act within \(Int(timeout)) s; is `siaran run` running? The \(action.rawValue) file stays in place and applies when it runs.")
        throw ExitCode(1)
    }
}

struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Pause a campaign before its next message.")
    @OptionGroup var options: ConfigurationOptions
    @Argument var id: String
    @Option(help: "Seconds to wait for the daemon to confirm (the control file stays either way).") var wait: Double = 30
    func run() async throws { try await CampaignControl.perform(.pause, id: id, options: options, timeout: wait) }
}

struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume a paused campaign.")
    @OptionGroup var options: ConfigurationOptions
    @Argument var id: String
    @Option(help: "Seconds to wait for the daemon to confirm (the control file stays either way).") var wait: Double = 30
    func run() async throws { try await CampaignControl.perform(.resume, id: id, options: options, timeout: wait) }
}

struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a campaign; nothing more is sent and a partial report is written.")
    @OptionGroup var options: ConfigurationOptions
    @Argument var id: String
    @Option(help: "Seconds to wait for the daemon to confirm (the control file stays either way).") var wait: Double = 30
    func run() async throws { try await CampaignControl.perform(.cancel, id: id, options: options, timeout: wait) }
}
