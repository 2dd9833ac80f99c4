import Foundation
import PostgresNIO

/// `SQLValue` to PostgreSQL's binary wire format and back.
///
/// Binds carry their type (int8, float8, text, bool, timestamptz, bytea), so the server checks
/// them like typed literals; NULL goes untyped and takes the type its place in the statement asks for.
enum PostgresValueCoding {
    static func bind(_ value: SQLValue, into bindings: inout PostgresBindings) {
        switch value {
        case .null: bindings.appendNull()
        case .integer(let value): bindings.append(value)
        case .real(let value): bindings.append(value)
        case .text(let value): bindings.append(value)
        case .bool(let value): bindings.append(value)
        case .date(let value): bindings.append(PostgresTimestamp(value))
        case .blob(let value): bindings.append(PostgresBytes(value))
        }
    }

    /// The value of one cell by the type the server reports for its column.
    static func value(of cell: PostgresCell) throws -> SQLValue {
        guard var buffer = cell.bytes else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid:
            return .integer(try cell.decode(Int64.self))
        case .numeric:
            // SUM over bigint answers numeric: an integer when it is one, else a real.
            let decimal = try cell.decode(Decimal.self)
            let text = "\(decimal)"
            if let integer = Int64(text) { return .integer(integer) }
            return .real(Double(text) ?? NSDecimalNumber(decimal: decimal).doubleValue)
        case .float4, .float8:
            return .real(try cell.decode(Double.self))
        case .bool:
            return .bool(try cell.decode(Bool.self))
        case .timestamptz, .timestamp:
            guard buffer.readableBytes == 8, let microseconds = buffer.readInteger(as: Int64.self) else {
                throw StoreError(.unexpectedValue, detail: "column \(cell.columnName): a timestamp of \(buffer.readableBytes) bytes")
            }
            return .date(PostgresTimestamp.date(microseconds: microseconds))
        case .date:
            return .date(try cell.decode(Date.self))
        case .bytea:
            return .blob(Data(buffer.readableBytesView))
        case .void:
            return .null
        default:
            // text, varchar, name, bpchar, char, json, jsonb, uuid and anything else text-like.
            if let text = try? cell.decode(String.self) { return .text(text) }
            return .blob(Data(buffer.readableBytesView))
        }
    }

    /// A row's values, decoded cell by cell.
    static func row(_ row: PostgresRow, columns: [String]) throws -> SQLRow {
        var values: [SQLValue] = []
        values.reserveCapacity(columns.count)
        for cell in row { values.append(try value(of: cell)) }
        return SQLRow(columns: columns, values: values)
    }

    /// Column names as the server reports them (unquoted names folded to lower case).
    static func columns(of row: PostgresRow) -> [String] {
        row.map(\.columnName)
    }
}

/// A `timestamptz` rounded to the nearest microsecond, PostgreSQL's precision. postgres-nio's own
/// `Date` encoding truncates, so a date read back and bound again could miss itself by 1 µs in
/// `WHERE at = ?`; rounding makes the round trip exact.
struct PostgresTimestamp: PostgresNonThrowingEncodable {
    var date: Date

    init(_ date: Date) { self.date = date }

    static var psqlType: PostgresDataType { .timestamptz }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeInteger(Self.microseconds(date))
    }

    /// Microseconds since 2000-01-01 00:00 UTC, PostgreSQL's epoch.
    static func microseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSinceReferenceDate * 1_000_000).rounded()) + referenceOffset
    }

    static func date(microseconds: Int64) -> Date {
        Date(timeIntervalSinceReferenceDate: Double(microseconds - referenceOffset) / 1_000_000)
    }

    /// From PostgreSQL's epoch (2000-01-01) to Foundation's (2001-01-01): 366 days, in µs.
    private static let referenceOffset: Int64 = 366 * 86_400 * 1_000_000
}

/// `bytea` in binary format (postgres-nio's `Data` conformance is not `NonThrowing`, which the
/// non-throwing `append` needs).
struct PostgresBytes: PostgresNonThrowingEncodable {
    var data: Data

    init(_ data: Data) { self.data = data }

    static var psqlType: PostgresDataType { .bytea }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeBytes(data)
    }
}
