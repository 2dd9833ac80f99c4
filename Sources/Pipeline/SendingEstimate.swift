public import Foundation

/// When a campaign's last message should leave: the pacing delays, the rests between batches,
/// and the hours outside the sending window (in the configured zone), for `status.json` and
/// `siaran status`. An estimate: caps and retries can only make it later.
public enum SendingEstimate {
    /// The time the last of `pending` messages should be sent, starting at `now`.
    public static func finish(pending: Int, averageDelay: Double, sending: SendingConfiguration, now: Date) -> Date {
        guard pending > 0 else { return now }
        var seconds = Double(pending) * max(0, averageDelay)
        if sending.batchSize > 0, sending.batchPauseSeconds > 0 {
            seconds += Double((pending - 1) / sending.batchSize) * sending.batchPauseSeconds
        }
        let window = sending.window
        if window.startMinute == 0 && window.endMinute == 1440 { return now.addingTimeInterval(seconds) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: sending.timeZone) ?? .current
        var time = now
        var remaining = seconds
        // Each step jumps to the end of the open stretch or to the next opening: two steps a day.
        for _ in 0..<20_000 {
            let dayStart = calendar.startOfDay(for: time)
            let minute = Int(time.timeIntervalSince(dayStart) / 60)
            func at(_ minutes: Int, dayOffset: Int = 0) -> Date {
                let day = calendar.date(byAdding: .day, value: dayOffset, to: dayStart) ?? dayStart.addingTimeInterval(Double(dayOffset) * 86_400)
                return day.addingTimeInterval(Double(minutes) * 60)
            }
            if window.contains(minuteOfDay: minute) {
                let end: Date
                if window.startMinute < window.endMinute { end = at(window.endMinute) }
                else { end = minute >= window.startMinute ? at(window.endMinute, dayOffset: 1) : at(window.endMinute) }
                let open = end.timeIntervalSince(time)
                if remaining <= open { return time.addingTimeInterval(remaining) }
                remaining -= open
                time = end
            } else {
                time = minute < window.startMinute ? at(window.startMinute) : at(window.startMinute, dayOffset: 1)
            }
        }
        return time.addingTimeInterval(remaining)
    }
}
