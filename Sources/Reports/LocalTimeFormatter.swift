public import Foundation

/// The one formatter for every time a person reads: reports, `status.json`, `logs.txt`,
/// `errors.txt`, notices, folder names, the command line and the dashboard. Times are in the
/// configured zone (`sending.timezone`) and carry its offset, so `08:30+07:00` means the same to
/// a person in Jakarta and to a script anywhere.
///
/// Built without `DateFormatter`, which is far too slow for a hundred thousand report rows times
/// five columns; zone offsets are looked up once per hour of time.
public struct LocalTimeFormatter: Sendable {
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
        // Whole milliseconds, rounded to the nearest (a time stored as .123 reads back as .12299…).
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let utcSeconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let seconds = utcSeconds + Int64(offset)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = Self.civil(fromDays: days)
        return LocalTime(year: year, month: month, day: day, hour: secondOfDay / 3600, minute: secondOfDay % 3600 / 60,
                         second: secondOfDay % 60, millisecond: Int(millis - utcSeconds * 1000), offsetSeconds: offset)
    }

    /// `2025-11-25T08:30:00+07:00` (with `.250` before the offset when `milliseconds`): what CSV,
    /// JSON, `status.json`, `dry-run.jsonl` and logs carry.
    public mutating func iso8601(_ date: Date, milliseconds: Bool = false) -> String {
        let t = fields(date)
        let fraction = milliseconds ? "." + Self.pad(t.millisecond, 3) : ""
        return "\(Self.pad(t.year, 4))-\(Self.pad(t.month))-\(Self.pad(t.day))T\(Self.pad(t.hour)):\(Self.pad(t.minute)):\(Self.pad(t.second))"
            + fraction + Self.offsetText(t.offsetSeconds)
    }

    /// `25/11 08:30`: compact enough for a table cell.
    public mutating func short(_ date: Date) -> String {
        let t = fields(date)
        return "\(Self.pad(t.day))/\(Self.pad(t.month)) \(Self.pad(t.hour)):\(Self.pad(t.minute))"
    }

    /// `2026-12-03 16:58 WIB` (or `2026-12-03 16:58 UTC+01:00` outside Indonesia): what the
    /// command line, `errors.txt` and notices show a person.
    public mutating func readable(_ date: Date) -> String {
        let t = fields(date)
        return "\(Self.pad(t.year, 4))-\(Self.pad(t.month))-\(Self.pad(t.day)) \(Self.pad(t.hour)):\(Self.pad(t.minute)) \(zoneName(offset: t.offsetSeconds))"
    }

    /// `16:58`: a time of day in the zone.
    public mutating func clock(_ date: Date) -> String {
        let t = fields(date)
        return "\(Self.pad(t.hour)):\(Self.pad(t.minute))"
    }

    /// Indonesia's own names for its zones (WIB, WITA, WIT), else `UTC+07:00`.
    public func zoneName(offset: Int) -> String {
        switch timeZone.identifier {
        case "Asia/Jakarta", "Asia/Pontianak": return "WIB"
        case "Asia/Makassar": return "WITA"
        case "Asia/Jayapura": return "WIT"
        default: return "UTC" + Self.offsetText(offset)
        }
    }

    /// One time, formatted once (for call sites that are not in a loop).
    public static func iso8601(_ date: Date, timeZone: TimeZone, milliseconds: Bool = false) -> String {
        var formatter = LocalTimeFormatter(timeZone: timeZone)
        return formatter.iso8601(date, milliseconds: milliseconds)
    }

    /// One time in the readable form (`2026-12-03 16:58 WIB`).
    public static func readable(_ date: Date, timeZone: TimeZone) -> String {
        var formatter = LocalTimeFormatter(timeZone: timeZone)
        return formatter.readable(date)
    }

    /// A calendar date and wall-clock time in the formatter's zone.
    public struct LocalTime: Sendable, Equatable {
        public var year, month, day, hour, minute, second: Int
        public var millisecond = 0
        public var offsetSeconds: Int

        public init(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int = 0, offsetSeconds: Int) {
            self.year = year
            self.month = month
            self.day = day
            self.hour = hour
            self.minute = minute
            self.second = second
            self.millisecond = millisecond
            self.offsetSeconds = offsetSeconds
        }
    }

    /// `+07:00`, `-03:30`.
    public static func offsetText(_ seconds: Int) -> String {
        let sign = seconds < 0 ? "-" : "+"
        return "\(sign)\(pad(abs(seconds) / 3600)):\(pad(abs(seconds) % 3600 / 60))"
    }

    public static func pad(_ value: Int, _ width: Int = 2) -> String {
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
