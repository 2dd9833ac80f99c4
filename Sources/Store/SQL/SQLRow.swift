public import Foundation

/// One row of a query's answer. Columns are found by name without regard to case, because
/// PostgreSQL folds unquoted names to lower case (`campaignId` comes back as `campaignid`).
public struct SQLRow: Sendable {
    public let columns: [String]
    public let values: [SQLValue]

    public init(columns: [String], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    /// The raw value of a column by position, `.null` past the end.
    public subscript(index: Int) -> SQLValue { index < values.count ? values[index] : .null }

    /// The raw value of a column by name, `.null` when the row has no such column.
    public subscript(name: String) -> SQLValue {
        if let index = columns.firstIndex(of: name) ?? columns.firstIndex(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) {
            return values[index]
        }
        return .null
    }

    public func string(_ column: String) throws -> String { try required(column, self[column].textValue) }
    public func optionalString(_ column: String) -> String? { self[column].textValue }
    public func int(_ column: String) throws -> Int { Int(try required(column, self[column].integerValue)) }
    public func optionalInt(_ column: String) -> Int? { self[column].integerValue.map { Int($0) } }
    public func int64(_ column: String) throws -> Int64 { try required(column, self[column].integerValue) }
    public func double(_ column: String) throws -> Double { try required(column, self[column].realValue) }
    public func optionalDouble(_ column: String) -> Double? { self[column].realValue }
    public func bool(_ column: String) throws -> Bool { try required(column, self[column].boolValue) }
    public func date(_ column: String) throws -> Date { try required(column, self[column].dateValue) }
    public func optionalDate(_ column: String) -> Date? { self[column].dateValue }
    public func data(_ column: String) throws -> Data { try required(column, self[column].dataValue) }

    /// Positional forms, for aggregates whose column names differ between backends.
    public func int(at index: Int) throws -> Int { Int(try required("#\(index)", self[index].integerValue)) }
    public func optionalInt(at index: Int) -> Int? { self[index].integerValue.map { Int($0) } }
    public func string(at index: Int) throws -> String { try required("#\(index)", self[index].textValue) }
    public func optionalString(at index: Int) -> String? { self[index].textValue }
    public func optionalDate(at index: Int) -> Date? { self[index].dateValue }

    private func required<T>(_ column: String, _ value: T?) throws -> T {
        guard let value else {
            throw StoreError(.unexpectedValue, detail: "column \(column) holds \(self[column]), columns: \(columns.joined(separator: ","))")
        }
        return value
    }
}
