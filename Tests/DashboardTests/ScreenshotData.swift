import Foundation
import HTTPTypes
import Logging
import NIOCore
import Pipeline
import Store
import Transport

/// Campaigns that really ran through the dry-run pipeline, for the pages to show.
enum ScreenshotData {
    /// Drops `count` numbers into inbox/ and runs the pipeline until the campaign is done.
    static func campaign(_ harness: DashboardHarness, name: String, count: Int, delay: Double,
                         message: String = "{Halo|Hai} {name|Kak}, diskon 30% untuk semua produk hari ini!") async throws {
        let folder = harness.path("inbox/\(name)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let numbers = (0..<count).map { String(format: "0813%08d", 20_000_000 + $0 * 7) }.joined(separator: "\n")
        try numbers.write(toFile: "\(folder)/numbers.txt", atomically: true, encoding: .utf8)
        try message.write(toFile: "\(folder)/message.txt", atomically: true, encoding: .utf8)
        let configuration = PipelineConfiguration(
            watch: WatchConfiguration(quietSeconds: 0, rescanSeconds: 30),
            sending: SendingConfiguration(delayMinimum: delay, delayMaximum: delay, hourlyCap: 0, dailyCap: 0, batchSize: 0,
                                          window: SendingWindow(startMinute: 0, endMinute: 1440)))
        let context = PipelineContext(
            inbox: harness.path("inbox"), outbox: harness.path("outbox"), spool: harness.path("state/spool"), templates: harness.path("templates"),
            optOutFile: harness.path("state/optout.txt"), contacts: .init(), message: .init(), pipeline: configuration,
            sessions: ["utama"], database: harness.database, transport: DryRunTransport(outbox: harness.path("outbox")),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        try await PipelineService(context: context, once: true).run()
    }

    /// Replies to the finished campaign (a few minutes after its sends), a stranger's question and an answer with its ticks, for the inbox.
    static func conversations(_ harness: DashboardHarness) async throws {
        let now = Date()
        try await harness.database.recordReply(phone: "6281320000014", session: "utama", messageId: "SHOT1",
                                               text: "Berapa harganya, Kak? Masih ada ukuran L?", at: now.addingTimeInterval(60), isOptOut: false)
        let answer = NewAnswer(id: "3EB0SHOTANSWER", phone: "6281320000014", session: "utama",
                               text: "Masih ada, Kak 🙏 Harganya Rp 129.000, diskon 30% jadi Rp 90.300.", author: "admin")
        _ = try await harness.database.beginAnswer(answer, at: now.addingTimeInterval(120))
        _ = try await harness.database.claimAnswer(answer.id)
        try await harness.database.markAnswerSent(answer.id, at: now.addingTimeInterval(120))
        try await harness.database.markRead(answer.id, at: now.addingTimeInterval(150))
        try await harness.database.recordReply(phone: "6281320000014", session: "utama", messageId: "SHOT2",
                                               text: "Oke, saya pesan 2 ya. Bisa COD?", at: now.addingTimeInterval(240), isOptOut: false)
        try await harness.database.recordReply(phone: "6285211112222", session: "utama", messageId: "SHOT3",
                                               text: "Selamat siang, toko buka sampai jam berapa?", at: now.addingTimeInterval(300), isOptOut: false)
        try await harness.database.recordReply(phone: "6281320000021", session: "utama", messageId: "SHOT4", text: "STOP",
                                               at: now.addingTimeInterval(360), isOptOut: true)
    }
}
