/// The stages every campaign passes, in order. Each records its completion in `campaignStages`
/// in the same transaction as its output, so a restart continues at the stage that was running.
public enum CampaignStage: String, Sendable, CaseIterable, Codable {
    case ingest, validate, dedupe, render, media, preview, approval, schedule, send, report, archive
}
