public import Foundation

/// ISO-8601 times with the zone offset (`2026-11-25T09:30:00.123+07:00`), as staff in
/// Jakarta read them.
public enum Timestamp {
    public static func iso8601(_ date: Date, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        let offset = timeZone.secondsFromGMT(for: date)
        let sign = offset < 0 ? "-" : "+"
        let millis = (c.nanosecond ?? 0) / 1_000_000
        let local = String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03d",
            c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!, millis
        )
        return local + sign + String(format: "%02d:%02d", abs(offset) / 3600, (abs(offset) % 3600) / 60)
    }
}
