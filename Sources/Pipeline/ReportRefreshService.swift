public import Foundation
public import ServiceLifecycle

/// Delivery and read receipts, and replies, keep arriving for hours after a campaign ends.
/// This service rewrites the reports (and `status.json`) of such campaigns, at most once per
/// `interval`, so `outbox/<campaign>/` catches up without anyone running `siaran report`.
public struct ReportRefreshService: Service {
    let context: PipelineContext
    let interval: TimeInterval

    public init(context: PipelineContext, interval: TimeInterval = 60) {
        self.context = context
        self.interval = interval
    }

    public func run() async throws {
        let runner = CampaignRunner(context: context)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await runner.refreshStaleReports()
            } catch is CancellationError {
                return
            } catch {
                context.logger.error("could not rewrite reports after late receipts", metadata: ["error": "\(error)"])
            }
            // The pause ends early on shutdown, so stopping the daemon never waits for it.
            let seconds = interval
            _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(seconds)) }
        }
    }
}
