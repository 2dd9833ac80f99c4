import Foundation
import Reports

/// Times on the pages, in the configured zone (`sending.timezone`) whatever the server's or the
/// browser's zone, through the one local-time formatter.
extension Dashboard {
    var timeZone: TimeZone { TimeZone(identifier: configuration.timeZone) ?? .current }

    /// `2026-12-03 16:58`.
    func minute(_ date: Date) -> String {
        var times = LocalTimeFormatter(timeZone: timeZone)
        let t = times.fields(date)
        return "\(LocalTimeFormatter.pad(t.year, 4))-\(LocalTimeFormatter.pad(t.month))-\(LocalTimeFormatter.pad(t.day)) \(LocalTimeFormatter.pad(t.hour)):\(LocalTimeFormatter.pad(t.minute))"
    }

    /// `16:58:03`.
    func clock(_ date: Date) -> String {
        var times = LocalTimeFormatter(timeZone: timeZone)
        let t = times.fields(date)
        return "\(LocalTimeFormatter.pad(t.hour)):\(LocalTimeFormatter.pad(t.minute)):\(LocalTimeFormatter.pad(t.second))"
    }

    /// `3 Des 2026 16:58` in the page's language.
    func dateTime(_ date: Date, _ layout: PageLayout) -> String {
        var times = LocalTimeFormatter(timeZone: timeZone)
        return ReportText(layout.language == .id ? .indonesian : .english).dateTime(times.fields(date))
    }

    /// `WIB (UTC+07:00)`: the zone the page's times are in.
    var zoneLabel: String {
        let offset = timeZone.secondsFromGMT()
        let name = LocalTimeFormatter(timeZone: timeZone).zoneName(offset: offset)
        return name.hasPrefix("UTC") ? name : "\(name) (UTC\(LocalTimeFormatter.offsetText(offset)))"
    }
}
