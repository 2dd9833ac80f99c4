import Foundation
import Logging
import Pipeline
import Store
import Transport

/// Messages per second through the whole pipeline (drop → validate → render → send with the
/// dry-run transport, which fsyncs every line) with all delays at zero.
enum PipelineBench {
    static func run(arguments: [String]) async throws {
        let sizes = arguments.contains("--large") ? [10_000, 100_000] : [10_000]
        for (label, fsyncing) in [("dry-run (fsync per message)", true), ("pipeline alone (transport that only counts)", false)] {
            print(label)
            try await measure(sizes: sizes, fsyncing: fsyncing)
        }
    }

    /// A transport that sends nothing and writes nothing, to isolate the pipeline's own cost.
    final class CountingTransport: MessageTransport, Sendable {
        let events = AsyncStream<TransportEvent> { _ in }
        func send(_ message: OutgoingMessage) async -> SendResult { .sent(at: Date()) }
    }

    static func measure(sizes: [Int], fsyncing: Bool) async throws {
        for size in sizes {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("bench-pipeline-\(UUID())")
            defer { try? FileManager.default.removeItem(at: root) }
            for folder in ["inbox/bench", "outbox", "state/spool", "templates"] {
                try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
            }
            try (0..<size).map { "62812\(String(format: "%08d", $0))" }.joined(separator: "\n")
                .write(to: root.appendingPathComponent("inbox/bench/numbers.txt"), atomically: true, encoding: .utf8)
            try "{Halo|Hai} {name|Kak}, promo akhir pekan!".write(to: root.appendingPathComponent("inbox/bench/message.txt"), atomically: true, encoding: .utf8)
            let past = Date().addingTimeInterval(-60)
            for file in ["inbox/bench/numbers.txt", "inbox/bench/message.txt", "inbox/bench"] {
                try FileManager.default.setAttributes([.modificationDate: past], ofItemAtPath: root.appendingPathComponent(file).path)
            }
            let database = try SiaranDatabase(path: root.appendingPathComponent("state/siaran.sqlite").path)
            let context = PipelineContext(
                inbox: root.appendingPathComponent("inbox").path, outbox: root.appendingPathComponent("outbox").path,
                spool: root.appendingPathComponent("state/spool").path, templates: root.appendingPathComponent("templates").path,
                optOutFile: root.appendingPathComponent("state/optout.txt").path, contacts: .init(), message: .init(),
                pipeline: PipelineConfiguration(
                    watch: .init(quietSeconds: 0.1),
                    sending: .init(delayMinimum: 0, delayMaximum: 0, hourlyCap: 0, dailyCap: 0, batchSize: 0,
                                   window: SendingWindow(startMinute: 0, endMinute: 1440))
                ),
                sessions: ["utama"], database: database,
                transport: fsyncing ? DryRunTransport(outbox: root.appendingPathComponent("outbox").path) : CountingTransport(),
                logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
            )
            let seconds = try await Bench.time { try await PipelineService(context: context, once: true).run() }
            print(String(format: "%7d contacts: %.2f s end to end, %.0f messages/s, peak RSS %@", size, seconds, Double(size) / seconds, Bench.megabytes(Bench.peakResidentBytes())))
        }
    }
}
