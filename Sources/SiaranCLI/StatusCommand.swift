import ArgumentParser
import Foundation
import Pipeline
import Reports
import Siaran
import Store
import WhatsApp

/// `siaran status`: one screen for staff and operators — the linked numbers, the campaigns that
/// are running, waiting or scheduled (progress and the time they should end), drops in `inbox/`
/// waiting for a missing part, and the last problems. Every time in the configured zone.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "One screen: linked numbers, running and waiting campaigns with progress and ETA, waiting drops, last problems."
    )

    @OptionGroup var options: ConfigurationOptions
    @Option(help: "How many recent problems to show.") var problems: Int = 5

    func run() async throws {
        let configuration = try options.load()
        let database = try await openDatabase(configuration)
        let now = Date()
        var times = LocalTimeFormatter(timeZone: configuration.timeZone)
        var lines: [String] = []
        let zone = configuration.timeZone
        lines.append("Siaran — \(times.readable(now)) (\(zone.identifier), UTC\(LocalTimeFormatter.offsetText(zone.secondsFromGMT(for: now))))")

        // Numbers.
        lines += ["", "WhatsApp numbers / Nomor WhatsApp"]
        let transport = configuration.pipeline.sending.transport
        let storages = SessionStorages.forInstallation(sessionsDirectory: configuration.paths.sessionsDirectory, database: database)
        let records = Dictionary(try await database.sessions().map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let names = Set(configuration.whatsapp.sessions).union(try await storages.linkedNames()).union(records.keys).sorted()
        if transport == .dryRun { lines.append("  (sending.transport is dry-run: nothing is sent, messages go to dry-run.jsonl)") }
        for name in names {
            let record = records[name]
            var state: String, detail = ""
            if let creds = try await storages.credentials(name), creds.isLinked {
                state = "linked"
                // `6281234567890:12@s.whatsapp.net`: the number is the part before the device.
                let user: String? = creds.deviceJID.flatMap { jid in jid.split(whereSeparator: { $0 == ":" || $0 == "@" }).first.map(String.init) }
                if let phone = user ?? record?.phone { detail += "+\(phone)" }
                if let since = creds.linkedAt ?? record?.linkedAt { detail += "  since \(times.readable(since))" }
                if let restriction = try await storages.restriction(name, now: now) {
                    detail += "  restricted from new chats until \(times.readable(restriction.until)) / dibatasi untuk chat baru sampai \(times.readable(restriction.until))"
                }
            } else if let record, record.state != "linked" {
                state = record.state
                if let at = record.lastSeenAt { detail += times.readable(at) }
                if let notice = record.notice { detail += (detail.isEmpty ? "" : "  ") + notice }
            } else {
                state = "not linked"
                detail = "link it with `siaran login \(name)`"
            }
            lines.append("  \(Self.pad(name, 12)) \(Self.pad(state, 11)) \(detail)")
        }
        if names.isEmpty { lines.append("  none; link one with `siaran login NAME`") }

        // Campaigns with work left.
        lines += ["", "Campaigns / Kampanye"]
        let open = try await database.openCampaigns()
        let pausedAll = FileManager.default.fileExists(atPath: (configuration.paths.inbox as NSString).appendingPathComponent("PAUSE-ALL"))
        for campaign in open {
            let counts = try await database.messageCounts(of: campaign.id)
            let sent = counts.sent + counts.delivered + counts.read
            let pending = counts.pending + counts.sending + counts.retrying
            let folder = "outbox/\(campaign.folderName)/"
            var detail: String
            switch campaign.state {
            case .sending:
                let percent = counts.total == 0 ? 0 : 100 * (sent + counts.failed) / counts.total
                let finish = SendingEstimate.finish(pending: pending, averageDelay: CampaignRunner.averageDelay(of: campaign, configuration.pipeline.sending),
                                                    sending: configuration.pipeline.sending, now: now)
                detail = "\(sent)/\(counts.total) sent (\(percent)%), \(counts.failed) failed, ends about \(times.readable(finish))"
                if pausedAll { detail += " — inbox/PAUSE-ALL pauses it" }
            case .paused:
                detail = "\(sent)/\(counts.total) sent; paused: delete PAUSE in \(folder)" + (pausedAll ? " and inbox/PAUSE-ALL" : "") + " to go on"
            case .waitingApproval:
                detail = "waiting for approval: check preview.png, then create APPROVE in \(folder)"
            case .scheduled:
                detail = campaign.sendAt.map { "starts \(times.readable($0))" } ?? "scheduled"
            default:
                detail = counts.total > 0 ? "queued, \(counts.total) messages ready" : "queued"
            }
            lines.append("  \(Self.pad(campaign.state.rawValue, 16)) \(Self.pad(campaign.name, 24)) \(detail)")
            lines.append("  \(Self.pad("", 16)) \(folder)  id \(campaign.id)")
        }
        if open.isEmpty { lines.append("  nothing running, waiting or scheduled") }

        // Drops waiting for a missing part.
        let scanner = DropScanner(inbox: configuration.paths.inbox, configuration: configuration.pipeline.watch, timeZone: zone)
        let waiting = scanner.waiting(now: now)
        let inbox = (configuration.paths.inbox as NSString).lastPathComponent
        lines += ["", "Drops waiting in \(inbox)/ / Kiriman yang menunggu"]
        for drop in waiting {
            let label = drop.kind == .folder ? "\(inbox)/\(drop.name)/" : "\(inbox)/ (loose files)"
            lines.append("  \(Self.pad(label, 28)) \(drop.english) (has \(drop.files.joined(separator: ", "))); refused at \(times.readable(drop.refuseAt)) if it does not arrive")
        }
        if waiting.isEmpty { lines.append("  none") }

        // Last problems.
        lines += ["", "Last problems / Masalah terakhir"]
        let recent = try await database.recentProblems(limit: max(0, problems))
        for problem in recent {
            let first = problem.reason.split(separator: "\n").first.map(String.init) ?? ""
            switch problem.kind {
            case .failedCampaign:
                let folder = problem.folder ?? problem.subject
                lines.append("  \(times.readable(problem.at))  stopped   \(folder): \(first) — see outbox/\(folder)/errors.txt (campaign \(problem.subject))")
            case .refusedDrop:
                lines.append("  \(times.readable(problem.at))  refused   \(problem.subject): \(first) — files in \(inbox)/failed/")
            case .duplicateDrop:
                lines.append("  \(times.readable(problem.at))  duplicate \(problem.subject): \(first)")
            }
        }
        if recent.isEmpty { lines.append("  none") }
        print(lines.joined(separator: "\n"))
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
