public import Foundation
public import Store

extension Segment {
    /// The segment's first column the list does not have (letter case aside), to refuse the
    /// segment before anything is left out by a misspelt name.
    public func missingColumn(in names: [String]) -> (name: String, offset: Int)? {
        let known = Set(names.map { $0.lowercased() })
        return columns.first { column in
            column.name == "tags" ? !(known.contains("tags") || known.contains("tag")) : !known.contains(column.name.lowercased())
        }
    }

    /// Whether one contact is in the segment: `variables` are its cells by column name, `history`
    /// what real campaigns before this one tell about it, `now` the moment "within N days" counts from.
    public func matches(_ variables: [String: String], history: ContactHistory, now: Date) -> Bool {
        switch self {
        case .all(let parts): return parts.allSatisfy { $0.matches(variables, history: history, now: now) }
        case .any(let parts): return parts.contains { $0.matches(variables, history: history, now: now) }
        case .not(let part): return !part.matches(variables, history: history, now: now)
        case .column(let name, let test, _):
            return test.matches(Self.cell(name, in: variables) ?? "")
        case .tag(let tag, _):
            let cell = Self.cell("tags", in: variables) ?? Self.cell("tag", in: variables) ?? ""
            let wanted = tag.trimmingCharacters(in: .whitespaces).lowercased()
            return cell.split(whereSeparator: { ",;|".contains($0) }).contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == wanted }
        case .repliedWithin(let days):
            return history.lastReplyAt.map { $0 >= now.addingTimeInterval(-Double(days) * 86_400) } ?? false
        case .readWithin(let days):
            return history.lastReadAt.map { $0 >= now.addingTimeInterval(-Double(days) * 86_400) } ?? false
        case .unreadInLast(let campaigns):
            // Their last N campaigns (fewer if they had fewer): each delivered, none read or replied to.
            let last = history.recent.prefix(campaigns)
            return !last.isEmpty && last.allSatisfy { $0.deliveredAt != nil && $0.readAt == nil && $0.repliedAt == nil }
        case .neverDelivered:
            return !history.everDelivered
        }
    }

    static func cell(_ name: String, in variables: [String: String]) -> String? {
        if let exact = variables[name] { return exact }
        let lower = name.lowercased()
        return variables.first { $0.key.lowercased() == lower }?.value
    }
}

extension Segment.ColumnTest {
    func matches(_ cell: String) -> Bool {
        let value = cell.trimmingCharacters(in: .whitespaces)
        func same(_ other: String) -> Bool { value.compare(other.trimmingCharacters(in: .whitespaces), options: [.caseInsensitive]) == .orderedSame }
        switch self {
        case .equals(let wanted): return same(wanted)
        case .notEquals(let wanted): return !same(wanted)
        case .oneOf(let values): return values.contains(where: same)
        case .contains(let part): return value.range(of: part, options: [.caseInsensitive]) != nil
        case .range(let lower, let lowerIncluded, let upper, let upperIncluded):
            // 1.500.000 and 1,5 as staff write them: dots between thousands, a comma before decimals.
            guard let number = Self.number(value) else { return false }
            if let lower, lowerIncluded ? number < lower : number <= lower { return false }
            if let upper, upperIncluded ? number > upper : number >= upper { return false }
            return true
        }
    }

    static func number(_ text: String) -> Double? {
        if let plain = Double(text), plain.isFinite { return plain }
        let indonesian = text.replacingOccurrences(of: ".", with: "").replacingOccurrences(of: ",", with: ".")
        return Double(indonesian).flatMap { $0.isFinite ? $0 : nil }
    }
}
