public import Foundation
public import ServiceLifecycle
import Reports

/// Watches for messages stuck at "sent" (the server took them, no phone confirmed them) past
/// `reports.delivery_alert_hours`, every `interval` on the pipeline's clock:
/// - a session past ``DeliveryAlert``'s threshold gets the alert in its notice
///   (`outbox/sessions/<name>/NOTICE.txt`, English and Indonesian) and in the log; the lines go
///   again once it is back under the threshold;
/// - finished campaigns with messages that just passed the alert age get their reports rewritten
///   (by ``ReportRefreshService``), so their stuck-at-sent list is current without receipts.
public struct DeliveryAlertService: Service {
    let context: PipelineContext
    let interval: TimeInterval

    public init(context: PipelineContext, interval: TimeInterval = 600) {
        self.context = context
        self.interval = interval
    }

    /// What one check found.
    public struct Check: Sendable, Equatable {
        public var alerts: [DeliveryAlert]
        /// The alert age's edge at this check: messages acknowledged before it are stuck.
        public var cutoff: Date
        /// Finished campaigns whose reports were marked for rewriting.
        public var campaignsMarked: Int
    }

    public func run() async throws {
        var previousCutoff: Date?
        var alerted = Set<String>()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let check = try await check(now: context.clock.now(), previousCutoff: previousCutoff, alerted: alerted)
                previousCutoff = check.cutoff
                alerted = Set(check.alerts.map(\.session))
            } catch is CancellationError {
                return
            } catch {
                context.logger.error("could not check for messages stuck at sent", metadata: ["error": "\(error)"])
            }
            let clock = context.clock, seconds = interval
            do {
                try await cancelWhenGracefulShutdown { try await clock.sleep(seconds: seconds) }
            } catch {
                return
            }
        }
    }

    /// One check at `now`. `previousCutoff` is the last check's edge (nil at start: the lookback
    /// period is taken); `alerted` the sessions alerted then, so the log says each change once.
    public func check(now: Date, previousCutoff: Date?, alerted: Set<String> = []) async throws -> Check {
        let hours = context.reports.deliveryAlertHours
        let cutoff = now.addingTimeInterval(-Double(hours) * 3600)
        let from = cutoff.addingTimeInterval(-DeliveryAlert.lookback)
        let health = try await context.database.deliveryHealth(sentFrom: from, sentBefore: cutoff)
        let alerts = DeliveryAlert.alerts(health, hours: hours, from: from, until: cutoff)
        let notices = SessionNoticeFile(folder: (context.outbox as NSString).appendingPathComponent("sessions"))
        let timeZone = context.timeZone
        let time: (Date) -> String = { LocalTimeFormatter.iso8601($0, timeZone: timeZone) }
        let stamp = time(now)
        for alert in alerts {
            try notices.setAlert([alert.english(time: time), alert.indonesian(time: time)], time: stamp, session: alert.session)
            if !alerted.contains(alert.session) {
                context.logger.error("\(alert.english(time: time))", metadata: [
                    "wa.session": "\(alert.session)", "delivery.stuck": "\(alert.stuck)", "delivery.acknowledged": "\(alert.acknowledged)",
                ])
            }
        }
        // Sessions no longer past the threshold lose their alert lines (also after a restart).
        let alertedNow = Set(alerts.map(\.session))
        for session in Set(notices.sessions()).union(alerted).subtracting(alertedNow).sorted() {
            if try notices.setAlert([], time: stamp, session: session) || alerted.contains(session) {
                context.logger.notice("delivery alert over: messages from session \(session) reach phones again", metadata: ["wa.session": "\(session)"])
            }
        }
        let marked = try await context.database.markReportsStaleForStuckMessages(sentFrom: previousCutoff ?? from, sentBefore: cutoff, at: now)
        return Check(alerts: alerts, cutoff: cutoff, campaignsMarked: marked)
    }
}
