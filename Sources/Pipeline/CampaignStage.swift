/// The stages every campaign passes, in order. Each records its completion in `campaignStages`
/// in the same transaction as its output, so a restart continues at the stage that was running.
public enum CampaignStage: String, Sendable, CaseIterable {
    case ingest, validate, dedupe, render, media, preview, approval, schedule, send, report, archive
}

/// Time as the pipeline sees it; tests inject a clock that does not sleep.
public protocol PipelineClock: Sendable {
    func now() -> Date
    func sleep(seconds: Double) async throws
}

public struct SystemPipelineClock: PipelineClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(seconds: Double) async throws {
        if seconds > 0 { try await Task.sleep(for: .milliseconds(Int64(seconds * 1000))) }
    }
}

public import Foundation
