import Foundation
import Store
import VariantStatistics

/// The send stage of a campaign with `ab_test:`: the sample (rendered alone) goes out, the test
/// waits, the variant with the significantly better rate wins (else the fallback), and everyone
/// else gets the winner. Each step is a checkpoint in `abTests`: a restart, or a `kill -9` during
/// the wait, resumes the wait from when the sample finished, and the decision and the rest's
/// messages are written in one transaction, so nothing is sent twice nor decided twice.
struct ABTestRun {
    let context: PipelineContext
    let campaign: CampaignRecord
    let options: CampaignOptions
    let test: ABTestOptions
    let preparation: CampaignPreparation

    func run() async throws -> CampaignSender.Outcome {
        let id = campaign.id
        var record = try await context.database.abTest(of: id)
        if record?.decidedAt == nil {
            if record == nil {
                if try await CampaignSender(context: context, campaign: campaign, options: options).run() == .cancelled { return .cancelled }
                let size = try await context.database.messageCounts(of: id).total
                try await context.database.recordABSampleSent(campaign: id, sampleSize: size, at: context.clock.now())
                record = try await context.database.abTest(of: id)
                context.logger.info("A/B test: the sample went out; waiting before choosing the winner",
                                    metadata: ["campaign.id": "\(id)", "ab.sample": "\(size)", "ab.wait_seconds": "\(Int(test.waitSeconds))"])
                context.eventLog?.record(campaign: id, phone: nil, messageID: nil, status: "ab-test-sample-sent",
                                         reason: context.pipeline.sending.transport == .dryRun
                                            ? "\(size) messages; a dry-run chooses the winner at once (no replies can come)"
                                            : "\(size) messages; the winner is chosen after \(Self.duration(test.waitSeconds))")
            }
            guard let waiting = record else { throw CampaignFailure("the A/B test's sample was not recorded") }
            if context.pipeline.sending.transport == .dryRun {
                // A rehearsal sends nothing, so no reply or read can come during a wait: the
                // decision follows the sample at once (the plan says so), and the rehearsal stays quick.
                context.logger.info("A/B test: a dry-run does not wait for the test's result", metadata: ["campaign.id": "\(id)"])
            } else if try await waitForResult(waiting) == .cancelled {
                return .cancelled
            }
            try await decide()
        }
        return try await CampaignSender(context: context, campaign: campaign, options: options).run()
    }

    /// Waits `wait` from the sample, without the time `PAUSE` (or `PAUSE-ALL`) holds it: while
    /// paused the countdown stands still, and on resume it goes on with what was left. The hold
    /// is a checkpoint in `abTests`, so a restart while paused still finds the wait held.
    func waitForResult(_ start: ABTestRecord) async throws -> CampaignSender.Outcome {
        var record = start
        let id = campaign.id
        let runner = CampaignRunner(context: context)
        while true {
            try Task.checkCancellation()
            if context.control("CANCEL", of: campaign) { return .cancelled }
            let paused = context.control("PAUSE", of: campaign) || context.pausedGlobally
            let now = context.clock.now()
            if paused, record.heldSince == nil {
                try await context.database.holdABWait(campaign: id, at: now)
                try await context.database.setState(.paused, of: id)
                try await runner.writeStatus(id)
                context.logger.notice("campaign paused; the A/B test's wait is held", metadata: ["campaign.id": "\(id)"])
                record = try await context.database.abTest(of: id) ?? record
            } else if !paused, record.heldSince != nil {
                try await context.database.resumeABWait(campaign: id, at: now)
                try await context.database.setState(.sending, of: id)
                try await runner.writeStatus(id)
                record = try await context.database.abTest(of: id) ?? record
                let left = record.decisionDue(waitSeconds: test.waitSeconds, now: now).timeIntervalSince(now)
                context.logger.notice("campaign resumed; the A/B test's wait goes on (\(Self.duration(max(0, left))) left)", metadata: ["campaign.id": "\(id)"])
            }
            if paused {
                try await context.clock.sleep(seconds: 0.2)
                continue
            }
            let left = record.decisionDue(waitSeconds: test.waitSeconds, now: now).timeIntervalSince(now)
            if left <= 0 { return .completed }
            try await context.clock.sleep(seconds: min(1, left))
        }
    }

    /// Chooses the winner from the sample's figures and queues everyone else's messages with it.
    func decide() async throws {
        let id = campaign.id
        let variants = try await context.database.snapshot { try $0.campaignFigures(id)?.variants ?? [] }
            .sorted { $0.name < $1.name }
        let statistics = ABStatistics(variants.map {
            VariantCounts(name: $0.name, sent: $0.sent, delivered: $0.delivered, read: $0.read, replied: $0.replied, optedOut: $0.optedOut)
        })
        let metric: ABStatistics.Metric = test.metric == .replied ? .replied : .read
        let noun = test.metric == .replied ? "reply" : "read"
        let smallest = variants.map(\.sent).min() ?? 0
        let first = variants.first?.name ?? "A"
        var winner: String, decidedBy: String, reason: String
        let significant = smallest >= test.minPerVariant ? statistics.winner(by: metric) : nil
        let p = statistics.comparison(metric).groups.compactMap(\.pValueVsBest).max()
        if let significant {
            (winner, decidedBy) = (significant, "significant")
            reason = "variant \(significant) had a significantly higher \(noun) rate in the sample (p ≤ \(String(format: "%.4f", p ?? 0)))"
        } else {
            let why = smallest < test.minPerVariant
                ? "the sample had fewer than \(test.minPerVariant) messages for a variant (\(smallest))"
                : "the difference in \(noun) rate was not significant"
            switch test.fallback {
            case .first: (winner, decidedBy) = (first, "fallback-first")
            case .higher: (winner, decidedBy) = (statistics.best(by: metric) ?? first, "fallback-higher")
            }
            reason = "\(why); fallback \(test.fallback.rawValue): variant \(winner)"
        }
        let sentences = statistics.sentences(metric, language: .english)
        if !sentences.isEmpty { reason += " — " + sentences.joined(separator: " ") }
        let rest = try await preparation.renderRest(winner: winner, decidedBy: decidedBy, pValue: significant == nil ? nil : p, reason: reason)
        context.logger.notice("A/B test decided: variant \(winner) goes to the other \(rest) contacts",
                              metadata: ["campaign.id": "\(id)", "ab.winner": "\(winner)", "ab.decided_by": "\(decidedBy)", "ab.reason": "\(reason)"])
        context.eventLog?.record(campaign: id, phone: nil, messageID: nil, status: "ab-test-decided",
                                 reason: "variant \(winner) to the other \(rest) contacts: \(reason)")
    }

    static func duration(_ seconds: Double, english: Bool = true) -> String {
        if seconds >= 3600 { return String(format: "%.4g", seconds / 3600).replacingOccurrences(of: ".", with: english ? "." : ",") + (english ? " h" : " jam") }
        if seconds >= 60 { return String(format: "%.4g", seconds / 60).replacingOccurrences(of: ".", with: english ? "." : ",") + (english ? " min" : " menit") }
        return "\(Int(seconds)) \(english ? "s" : "detik")"
    }
}
