import Foundation
import Store

/// `send_time: best` in campaign.yaml: when sending starts, each contact with history gets the
/// local hour they read or replied most in past real campaigns (moved to the nearest hour of the
/// sending window when it lies outside), and a not-before time: that hour's next start (now, if
/// the hour is under way). Contacts without history keep the campaign's order. The plan is stored
/// with the messages in one transaction (``SiaranDatabase/planSendTimes(of:times:)``), so a
/// restart keeps it; caps, pacing and the window still apply when a message's time has come.
struct SendTimePlan {
    let window: SendingWindow
    let calendar: Calendar

    /// Hours of the day with at least part of them inside the window.
    var windowHours: [Int] {
        (0..<24).filter { hour in stride(from: hour * 60, to: hour * 60 + 60, by: 15).contains { window.contains(minuteOfDay: $0) } }
    }

    /// The hour read or replied in most often (the earliest of equals), moved into the window; nil without history.
    func bestHour(_ counts: [Int: Int]) -> Int? {
        guard let most = counts.values.max(), most > 0 else { return nil }
        let hour = counts.filter { $0.value == most }.keys.min()!
        let allowed = windowHours
        if allowed.contains(hour) || allowed.isEmpty { return hour }
        func distance(_ other: Int) -> Int { let d = abs(other - hour); return min(d, 24 - d) }
        return allowed.min { (distance($0), $0) < (distance($1), $1) }
    }

    /// The start of `hour` at or after `start` in the plan's zone; `start` itself while that hour is under way.
    func notBefore(hour: Int, after start: Date) -> Date {
        if calendar.component(.hour, from: start) == hour { return start }
        return calendar.nextDate(after: start, matching: DateComponents(hour: hour, minute: 0, second: 0), matchingPolicy: .nextTime)
            ?? start
    }

    /// Plans the campaign's messages not planned yet; returns how many got a time.
    static func plan(_ context: PipelineContext, campaign: String, now: Date) async throws -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = context.timeZone
        let plan = SendTimePlan(window: context.pipeline.sending.window, calendar: calendar)
        let counts = try await context.database.readReplyHours(of: campaign, utcOffset: context.timeZone.secondsFromGMT(for: now))
        var times: [String: (hour: Int, notBefore: Date)] = [:]
        for (phone, hours) in counts {
            guard let hour = plan.bestHour(hours) else { continue }
            times[phone] = (hour, plan.notBefore(hour: hour, after: now))
        }
        return try await context.database.planSendTimes(of: campaign, times: times)
    }
}
