import Foundation
import Store

/// A live progress line for operators watching `siaran run` in a terminal. Written only when
/// standard error is a terminal, so logs and pipes stay clean.
enum TerminalProgress {
    static let isTerminal = isatty(STDERR_FILENO) == 1

    static func show(campaign: CampaignRecord, database: SiaranDatabase) async throws {
        guard isTerminal else { return }
        let counts = try await database.messageCounts(of: campaign.id)
        let done = counts.sent + counts.delivered + counts.read + counts.failed
        let width = 24
        let filled = counts.total == 0 ? 0 : width * done / counts.total
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let line = "\r\(campaign.name.prefix(24))  \(bar)  \(done)/\(counts.total)  sent \(counts.sent + counts.delivered + counts.read)  failed \(counts.failed)  "
        FileHandle.standardError.write(Data(line.utf8))
        if done == counts.total { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
