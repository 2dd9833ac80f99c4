public import Foundation
public import ServiceLifecycle
public import Store
import Transport

/// Sends what staff (the dashboard, `siaran inbox reply`) or the auto-reply bot answered in a
/// conversation: at once, not behind the campaign queue, through the session the answer names, but
/// within that session's hourly and daily caps (answers count toward them, as campaign messages do).
/// Answers are queued in the database, so any process can hand one over and the worker that holds
/// the session sends it; ids are chosen before the send, so a retry after a crash is dropped as a
/// duplicate by the phone.
public struct AnswerSender: Service {
    let context: PipelineContext
    let interval: Duration

    /// Folder of the dry-run rehearsal's answers in `outbox/`.
    public static let dryRunFolder = "inbox-answers"

    public init(context: PipelineContext, interval: Duration = .milliseconds(500)) {
        self.context = context
        self.interval = interval
    }

    public func run() async throws {
        do {
            // On a cluster another worker may be sending some of these right now: there, an
            // interrupted answer is taken again by whoever holds its session (see `sendQueued`).
            if context.leaseFence == nil { try await context.database.requeueInterruptedAnswers(sessions: await sessions()) }
        } catch {
            context.logger.error("could not requeue answers interrupted by a stop", metadata: ["error": "\(error)"])
        }
        // While the database is away the pipeline says so once; here answers only wait, backing off
        // to a try every 15 s instead of an error line twice a second.
        var awaySince: Date?
        var backoff = 1.0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            var pause = interval
            do {
                try await sendQueued()
                if awaySince != nil { context.logger.notice("answers are sent again") }
                awaySince = nil
                backoff = 1
            } catch is CancellationError {
                return
            } catch let error as StoreError where error.isTransient {
                if awaySince == nil {
                    awaySince = Date()
                    context.logger.warning("answers wait: the database cannot be reached", metadata: ["error": "\(error.detail)"])
                }
                pause = .milliseconds(Int(backoff * 1000))
                backoff = min(15, backoff * 2)
            } catch {
                context.logger.error("could not send answers", metadata: ["error": "\(error)"])
            }
            let wait = pause
            _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
        }
    }

    private func sessions() async -> [String] {
        Array(Set(context.sessions + (await context.transport.sessionNames()))).sorted()
    }

    /// Sends every queued answer whose session this process can send with; returns how many went out.
    /// On a cluster only under the session's lease, checked when the answer is claimed.
    @discardableResult
    public func sendQueued() async throws -> Int {
        var sent = 0
        let fence = context.leaseFence
        var ownSessions: [String] = []
        if let fence { ownSessions = await sessions().filter { fence($0).fencing > 0 } }
        for answer in try await context.database.queuedAnswers(interruptedOf: ownSessions) {
            // Another worker may hold the session; the answer waits for it.
            guard await context.transport.isAvailable(session: answer.session) else { continue }
            if let fence, fence(answer.session).fencing == 0 { continue }
            if let reason = try await capReached(session: answer.session) {
                try await context.database.markAnswerFailed(answer.id, reason: reason, fence: fence?(answer.session))
                context.logger.notice("answer refused: the session is at its cap", metadata: ["wa.session": "\(answer.session)", "answer.reason": "\(reason)"])
                continue
            }
            guard try await context.database.claimAnswer(answer.id, fence: fence?(answer.session)) else { continue }
            var media: MediaAttachment?
            if let image = answer.mediaPath {
                do {
                    media = try CampaignMedia(context: context).prepared(image: image).attachment
                } catch let failure as CampaignFailure {
                    try await context.database.markAnswerFailed(answer.id, reason: failure.reason.english, fence: fence?(answer.session))
                    continue
                }
            }
            let message = OutgoingMessage(id: answer.id, phone: answer.phone, text: answer.text, media: media, session: answer.session,
                                          campaignId: Self.dryRunFolder, folder: Self.dryRunFolder, answersContact: true)
            switch await context.transport.send(message) {
            case .sent(let at):
                try await context.database.markAnswerSent(answer.id, at: at)
                sent += 1
            case .permanentFailure(let reason), .transientFailure(let reason), .deferred(_, let reason):
                // The person who answered sees why and can answer again; nothing is retried behind their back.
                // Settled only under the lease: a worker that lost the session meanwhile leaves the
                // answer `sending`, and the new holder sends it under the same id.
                try await context.database.markAnswerFailed(answer.id, reason: reason, fence: fence?(answer.session))
            }
        }
        return sent
    }

    /// `hourly-cap` or `daily-cap` when the session may send nothing more now.
    private func capReached(session: String) async throws -> String? {
        let sending = context.pipeline.sending
        let now = context.clock.now()
        if sending.hourlyCap > 0, try await context.database.sentCount(session: session, since: now.addingTimeInterval(-3600)) >= sending.hourlyCap {
            return "hourly-cap"
        }
        if sending.dailyCap > 0, try await context.database.sentCount(session: session, since: now.addingTimeInterval(-86_400)) >= sending.dailyCap {
            return "daily-cap"
        }
        return nil
    }
}
