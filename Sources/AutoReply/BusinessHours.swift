public import Foundation

/// When staff are there to answer: days of the week and one opening time range.
public struct BusinessHours: Sendable, Equatable {
    /// Weekdays as `Calendar` numbers them: 1 Sunday … 7 Saturday.
    public var days: Set<Int>
    /// Minutes after midnight.
    public var opens: Int
    public var closes: Int

    public init(days: Set<Int>, opens: Int, closes: Int) {
        self.days = days
        self.opens = opens
        self.closes = closes
    }

    public func isOpen(at date: Date, in timeZone: TimeZone) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: date)
        let minute = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        guard let weekday = parts.weekday, days.contains(weekday) else { return false }
        return opens <= closes ? (opens..<closes).contains(minute) : (minute >= opens || minute < closes)
    }

    /// `mon`, `monday`, `senin`, … to `Calendar`'s weekday numbers.
    static let dayNames: [String: Int] = [
        "sun": 1, "sunday": 1, "minggu": 1, "ahad": 1,
        "mon": 2, "monday": 2, "senin": 2,
        "tue": 3, "tuesday": 3, "selasa": 3,
        "wed": 4, "wednesday": 4, "rabu": 4,
        "thu": 5, "thursday": 5, "kamis": 5,
        "fri": 6, "friday": 6, "jumat": 6, "jum'at": 6,
        "sat": 7, "saturday": 7, "sabtu": 7,
    ]

    /// `mon-fri` or `senin-sabtu` (wrapping past Sunday is allowed: `fri-mon`).
    static func days(_ text: String) -> Set<Int>? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let single = dayNames[trimmed] { return [single] }
        let ends = trimmed.split(separator: "-", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard ends.count == 2, let first = dayNames[ends[0]], let last = dayNames[ends[1]] else { return nil }
        var result: Set<Int> = [first]
        var day = first
        while day != last {
            day = day % 7 + 1
            result.insert(day)
        }
        return result
    }

    /// `08:00`, `8.30`, `17:00` to minutes after midnight; `24:00` is the end of the day.
    static func minutes(_ text: String) -> Int? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(whereSeparator: { $0 == ":" || $0 == "." })
        guard parts.count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]), parts[1].count == 2,
              (0...24).contains(hour), (0...59).contains(minute), hour < 24 || minute == 0 else { return nil }
        return hour * 60 + minute
    }
}
