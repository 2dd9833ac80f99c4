public import Foundation
public import ServiceLifecycle

/// Delivery and read receipts, and replies, keep arriving for hours after a campaign ends.
/// This service rewrites the reports (and `status.json`) of such campaigns, at most once per
/// `interval`, so `outbox/<campaign>/` catches up without anyone running `siaran report`.
/// It also writes the reports a campaign's end could not (the outbox was full or read-only).
public struct ReportRefreshService: Service {
    let context: PipelineContext
    let interval: TimeInterval

    public init(context: PipelineContext, interval: TimeInterval = 60) {
        self.context = context
        self.interval = interval
    }

    public func run() async throws {
        let runner = CampaignRunner(context: context)
        var withoutReports = Set<String>()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await runner.refreshStaleReports()
            } catch is CancellationError {
                return
            } catch {
                context.logger.error("could not rewrite reports after late receipts", metadata: ["error": "\(error)"])
            }
            do {
                withoutReports = try await runner.writeReportsStillMissing(seenBefore: withoutReports)
            } catch is CancellationError {
                return
            } catch let missing as ReportsStillMissing {
                withoutReports = missing.campaigns
                context.logger.error("reports of a finished campaign could not be written yet; tried again in \(Int(interval)) s",
                                     metadata: ["error": "\(missing)"])
            } catch {
                context.logger.error("could not look for finished campaigns without reports", metadata: ["error": "\(error)"])
            }
            // The pause ends early on shutdown, so stopping the daemon never waits for it.
            let seconds = interval
            _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(seconds)) }
        }
    }
}
