public import Foundation
import Reports

/// The plan a campaign is approved on: how many messages each session sends on each day, given
/// the caps (daily with the warm-up of newly linked numbers, hourly, and the cold daily cap), the
/// sending window, the delays and batch rests, and the messages of campaigns queued before it;
/// the estimated finish in the configured zone; and how many contacts are warm or cold.
///
/// A value computed from numbers (no I/O): ``load`` gathers them. An estimate: one sending loop
/// paces all sessions of a campaign, and a cold contact at the cold cap holds the messages behind it,
/// so a day sends at most as many messages as the cold caps allow for its share of cold contacts.
public struct CampaignPlan: Sendable, Equatable {
    /// One session's caps; `dailyCaps[d]` is its daily cap on day `d` of the plan (0 = none).
    public struct SessionCaps: Sendable, Equatable {
        public var name: String
        public var dailyCaps: [Int]

        public init(name: String, dailyCaps: [Int]) {
            self.name = name
            self.dailyCaps = dailyCaps
        }

        func daily(_ day: Int) -> Int { dailyCaps.isEmpty ? 0 : dailyCaps[min(day, dailyCaps.count - 1)] }
    }

    public struct Day: Sendable, Equatable {
        /// When sending opens that day (or the plan's start on the first day).
        public var start: Date
        /// Messages of campaigns queued before this one sent that day.
        public var ahead: Int
        /// This campaign's messages per session that day: (session, warm, cold).
        public var sessions: [SessionDay]
        public var total: Int { sessions.reduce(0) { $0 + $1.warm + $1.cold } }
    }

    public struct SessionDay: Sendable, Equatable {
        public var session: String
        public var warm: Int
        public var cold: Int
    }

    public var warm: Int
    public var cold: Int
    public var ahead: Int
    public var days: [Day]
    /// When the last message should leave; nil when nothing is left to send.
    public var finish: Date?
    /// Whether the cold daily cap holds the sending back (real transports with `caps.cold_daily` > 0).
    public var coldCapApplies: Bool
    /// A dry-run's plan: the days are those of real sending (cold caps included), but the
    /// rehearsal itself ignores the cold cap and finishes sooner.
    public var rehearsal = false
    /// The engagement guard's N (0: off) and how many contacts it held back.
    public var guardCampaigns = 0
    public var unengaged = 0
    /// The campaign's segment and how many contacts it left out (nil without a segment).
    public var segment: String?
    public var outsideSegment: Int?
    /// A test-then-winner campaign: its settings and how many contacts wait for the winner.
    public var abTest: ABTestOptions?
    public var abRest = 0
    /// `send_time: best`: how many contacts have history and wait for their best hour; nil when not asked for.
    public var bestHourContacts: Int?
    public var sending: SendingConfiguration
    public var sessionCaps: [SessionCaps]
    public var averageDelay: Double

    /// The longest plan worked out, in days; anything longer says "more than a year".
    public static let horizon = 370

    public static func make(warm: Int, cold: Int, ahead: Int, sessions: [SessionCaps], sending: SendingConfiguration,
                            averageDelay: Double, coldCapApplies: Bool, now: Date) -> CampaignPlan {
        var plan = CampaignPlan(warm: warm, cold: cold, ahead: ahead, days: [], finish: nil, coldCapApplies: coldCapApplies,
                                sending: sending, sessionCaps: sessions, averageDelay: averageDelay)
        guard warm + cold > 0 else { return plan }
        let sessions = sessions.isEmpty ? [SessionCaps(name: "utama", dailyCaps: [sending.dailyCap])] : sessions
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: sending.timeZone) ?? .current
        // Seconds one message takes on average: the delay plus its share of a batch rest.
        let perMessage = max(0.001, averageDelay + (sending.batchSize > 0 ? sending.batchPauseSeconds / Double(sending.batchSize) : 0))
        var leftAhead = ahead, leftWarm = warm, leftCold = cold
        var stretch = Self.openStretch(from: now, window: sending.window, calendar: calendar)
        for day in 0..<horizon {
            let seconds = stretch.end.timeIntervalSince(stretch.start)
            var capacity = Int((seconds / perMessage).rounded(.down))
            if sending.hourlyCap > 0 { capacity = min(capacity, sending.hourlyCap * sessions.count * Int((seconds / 3600).rounded(.up))) }
            let dailyCaps = sessions.map { $0.daily(day) }
            if !dailyCaps.contains(0) { capacity = min(capacity, dailyCaps.reduce(0, +)) }
            // Campaigns queued before this one go first and use the same sessions and caps.
            let aheadToday = min(leftAhead, capacity)
            leftAhead -= aheadToday
            capacity -= aheadToday
            var sendsToday = min(capacity, leftWarm + leftCold)
            var coldToday = 0, warmToday = 0
            if sendsToday > 0 {
                let coldShare = Double(leftCold) / Double(leftWarm + leftCold)
                coldToday = min(leftCold, Int((Double(sendsToday) * coldShare).rounded()))
                if coldCapApplies && sending.coldDailyCap > 0 {
                    let coldLimit = sending.coldDailyCap * sessions.count
                    if coldToday > coldLimit {
                        // Messages go in list order: the day ends at the cold contact over the cap.
                        coldToday = coldLimit
                        sendsToday = leftWarm == 0 ? coldLimit : min(sendsToday, Int((Double(coldLimit) / coldShare).rounded(.down)))
                    }
                }
                warmToday = min(leftWarm, max(0, sendsToday - coldToday))
                sendsToday = warmToday + coldToday
            }
            leftWarm -= warmToday
            leftCold -= coldToday
            plan.days.append(Day(start: stretch.start, ahead: aheadToday,
                                 sessions: Self.share(warm: warmToday, cold: coldToday, sessions: sessions, day: day)))
            if leftWarm + leftCold == 0 {
                plan.finish = stretch.start.addingTimeInterval(Double(aheadToday + sendsToday) * perMessage)
                break
            }
            stretch = Self.openStretch(from: stretch.end.addingTimeInterval(1), window: sending.window, calendar: calendar)
        }
        return plan
    }

    /// The day's sends shared round robin among the sessions, none past its daily cap, with the
    /// cold ones in proportion.
    static func share(warm: Int, cold: Int, sessions: [SessionCaps], day: Int) -> [SessionDay] {
        var totals = Array(repeating: 0, count: sessions.count)
        var left = warm + cold, index = 0, idle = 0
        while left > 0 && idle < sessions.count {
            let cap = sessions[index].daily(day)
            if cap == 0 || totals[index] < cap {
                totals[index] += 1
                left -= 1
                idle = 0
            } else {
                idle += 1
            }
            index = (index + 1) % sessions.count
        }
        let all = max(1, warm + cold)
        var colds = totals.map { $0 * cold / all }
        var extra = cold - colds.reduce(0, +)
        for i in colds.indices where extra > 0 && colds[i] < totals[i] {
            colds[i] += 1
            extra -= 1
        }
        return sessions.indices.map { SessionDay(session: sessions[$0].name, warm: totals[$0] - colds[$0], cold: colds[$0]) }
    }

    /// The next stretch of time inside the window, starting at `time` or at the next opening.
    static func openStretch(from time: Date, window: SendingWindow, calendar: Calendar) -> (start: Date, end: Date) {
        if window.startMinute == 0 && window.endMinute == 1440 {
            let start = calendar.startOfDay(for: time)
            return (time, calendar.date(byAdding: .day, value: 1, to: start) ?? start.addingTimeInterval(86_400))
        }
        let dayStart = calendar.startOfDay(for: time)
        func at(_ minutes: Int, dayOffset: Int = 0) -> Date {
            let day = calendar.date(byAdding: .day, value: dayOffset, to: dayStart) ?? dayStart.addingTimeInterval(Double(dayOffset) * 86_400)
            return day.addingTimeInterval(Double(minutes) * 60)
        }
        let minute = Int(time.timeIntervalSince(dayStart) / 60)
        if window.contains(minuteOfDay: minute) {
            if window.startMinute < window.endMinute { return (time, at(window.endMinute)) }
            return (time, minute >= window.startMinute ? at(window.endMinute, dayOffset: 1) : at(window.endMinute))
        }
        let opening = minute < window.startMinute ? at(window.startMinute) : at(window.startMinute, dayOffset: 1)
        let end = window.startMinute < window.endMinute ? calendar.startOfDay(for: opening).addingTimeInterval(Double(window.endMinute) * 60)
            : calendar.startOfDay(for: opening).addingTimeInterval(Double(window.endMinute + 1440) * 60)
        return (opening, end)
    }
}
