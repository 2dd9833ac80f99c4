public import Foundation

/// A value bound to a query or read from a row, the same on SQLite and PostgreSQL.
///
/// Each backend maps these to its own types: on SQLite a date is GRDB's text form
/// (`yyyy-MM-dd HH:mm:ss.SSS`, UTC) and a Bool an integer; on PostgreSQL they are `timestamptz`
/// and `boolean`. Store code only ever sees `SQLValue`, so one query serves both.
public enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case bool(Bool)
    case date(Date)
    case blob(Data)
}

/// A Swift value that can be bound to a query.
public protocol SQLBindable: Sendable {
    var sqlValue: SQLValue { get }
}

extension String: SQLBindable { public var sqlValue: SQLValue { .text(self) } }
extension Substring: SQLBindable { public var sqlValue: SQLValue { .text(String(self)) } }
extension Int: SQLBindable { public var sqlValue: SQLValue { .integer(Int64(self)) } }
extension Int64: SQLBindable { public var sqlValue: SQLValue { .integer(self) } }
extension Double: SQLBindable { public var sqlValue: SQLValue { .real(self) } }
extension Bool: SQLBindable { public var sqlValue: SQLValue { .bool(self) } }
extension Date: SQLBindable { public var sqlValue: SQLValue { .date(self) } }
extension Data: SQLBindable { public var sqlValue: SQLValue { .blob(self) } }
extension SQLValue: SQLBindable { public var sqlValue: SQLValue { self } }

extension Optional: SQLBindable where Wrapped: SQLBindable {
    public var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

extension SQLValue {
    /// Reads an integer; PostgreSQL answers `SUM` over integers as `numeric`, which arrives as text or real.
    var integerValue: Int64? {
        switch self {
        case .integer(let value): value
        case .real(let value): Int64(exactly: value.rounded()) 
        case .bool(let value): value ? 1 : 0
        case .text(let text): Int64(text) ?? Double(text).flatMap { Int64(exactly: $0.rounded()) }
        case .null, .date, .blob: nil
        }
    }

    var realValue: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .real(let value): value
        case .text(let text): Double(text)
        case .bool, .null, .date, .blob: nil
        }
    }

    var textValue: String? {
        switch self {
        case .text(let text): text
        case .integer(let value): String(value)
        case .real(let value): String(value)
        case .bool(let value): value ? "1" : "0"
        case .blob(let data): String(data: data, encoding: .utf8)
        case .null, .date: nil
        }
    }

    var boolValue: Bool? {
        switch self {
        case .bool(let value): value
        case .integer(let value): value != 0
        case .real(let value): value != 0
        case .text(let text): ["1", "t", "true"].contains(text.lowercased())
        case .null, .date, .blob: nil
        }
    }

    var dateValue: Date? {
        switch self {
        case .date(let date): date
        case .text(let text): SQLDateText.date(from: text)
        // GRDB reads a number as seconds since 1970; keep the same meaning.
        case .integer(let value): Date(timeIntervalSince1970: TimeInterval(value))
        case .real(let value): Date(timeIntervalSince1970: value)
        case .null, .bool, .blob: nil
        }
    }

    var dataValue: Data? {
        switch self {
        case .blob(let data): data
        case .text(let text): Data(text.utf8)
        default: nil
        }
    }
}

/// Dates stored as text on SQLite (GRDB's format, always UTC): `2026-12-03 09:58:27.123`.
enum SQLDateText {
    /// Parses GRDB's text form and the ISO-8601 forms SQLite date functions produce.
    static func date(from text: String) -> Date? {
        let bytes = Array(text.utf8)
        // yyyy-MM-dd[( |T)HH:mm[:ss[.SSS…]]][Z]
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        var components = DateComponents(calendar: utcCalendar, timeZone: utc, year: year, month: month, day: day)
        var fraction = 0.0
        if bytes.count >= 16 {
            guard bytes[10] == UInt8(ascii: " ") || bytes[10] == UInt8(ascii: "T"),
                  let hour = number(11..<13), let minute = number(14..<16) else { return nil }
            components.hour = hour
            components.minute = minute
            if bytes.count >= 19, let second = number(17..<19) {
                components.second = second
                if bytes.count > 20, bytes[19] == UInt8(ascii: ".") {
                    var end = 20
                    while end < bytes.count, bytes[end] >= 48, bytes[end] <= 57 { end += 1 }
                    fraction = Double("0." + String(decoding: bytes[20..<end], as: UTF8.self)) ?? 0
                }
            }
        }
        guard let date = utcCalendar.date(from: components) else { return nil }
        return date.addingTimeInterval(fraction)
    }

    private static let utc = TimeZone(identifier: "UTC")!
    private static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        return calendar
    }()
}
