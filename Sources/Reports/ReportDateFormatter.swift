public import Foundation

/// Formats report times in the configured zone without `DateFormatter` (which is far too slow for
/// a hundred thousand rows times five columns). Zone offsets are looked up once per hour of time.
public struct ReportDateFormatter: Sendable {
    public let timeZone: TimeZone
    private var offsets: [Int64: Int] = [:]

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
    }

    /// Seconds east of UTC at `date`, cached per hour (zone changes happen on hour boundaries in practice).
    public mutating func offset(at date: Date) -> Int {
        let hour = Int64((date.timeIntervalSince1970 / 3600).rounded(.down))
        if let cached = offsets[hour] { return cached }
        let offset = timeZone.secondsFromGMT(for: date)
        if offsets.count > 10_000 { offsets.removeAll(keepingCapacity: true) }
        offsets[hour] = offset
        return offset
    }

    /// The local calendar fields of `date`.
    public mutating func fields(_ date: Date) -> LocalTime {
        let offset = offset(at: date)
        let seconds = Int64((date.timeIntervalSince1970).rounded(.down)) + Int64(offset)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = Self.civil(fromDays: days)
        return LocalTime(year: year, month: month, day: day, hour: secondOfDay / 3600, minute: secondOfDay % 3600 / 60,
                         second: secondOfDay % 60, offsetSeconds: offset)
    }

    /// `2025-11-25T08:30:00+07:00`: what CSV, JSON and logs carry.
    public mutating func iso8601(_ date: Date) -> String {
        let t = fields(date)
        let sign = t.offsetSeconds < 0 ? "-" : "+"
        let offset = abs(t.offsetSeconds)
        return "\(Self.pad(t.year, 4))-\(Self.pad(t.month))-\(Self.pad(t.day))T\(Self.pad(t.hour)):\(Self.pad(t.minute)):\(Self.pad(t.second))"
            + "\(sign)\(Self.pad(offset / 3600)):\(Self.pad(offset % 3600 / 60))"
    }

    /// `25/11 08:30`: compact enough for a table cell.
    public mutating func short(_ date: Date) -> String {
        let t = fields(date)
        return "\(Self.pad(t.day))/\(Self.pad(t.month)) \(Self.pad(t.hour)):\(Self.pad(t.minute))"
    }

    /// A calendar date and wall-clock time in the report's zone.
    public struct LocalTime: Sendable, Equatable {
        public var year, month, day, hour, minute, second, offsetSeconds: Int
    }

    static func pad(_ value: Int, _ width: Int = 2) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    /// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
    static func civil(fromDays days: Int64) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }
}
