import Foundation
import Pipeline

/// The New campaign form's segment builder: rows of conditions staff pick from lists (a column of
/// the contact list equals, is one of, contains, or is in a number range; a tag; replied or read
/// within N days; delivered but never read in their last N campaigns; never delivered), joined by
/// "all of" or "any of", written as the `segment:` text of campaign.yaml, which the pipeline's one
/// parser (`Segment.parse`) then checks like a typed one. Opted-out contacts are always left out.
///
/// Fields (multipart, one of each per row, in row order): `segment_kind`, `segment_column`,
/// `segment_value`, `segment_value2` (the upper bound of `between`); `segment_join` (`all` or `any`).
/// A refused row is reported as `segment-N` (N from 0), beside that row.
struct SegmentForm {
    enum Kind: String, CaseIterable {
        case equals, notEquals = "not_equals", oneOf = "one_of", contains, atLeast = "at_least", atMost = "at_most", between
        case tag
        case repliedWithin = "replied_within", readWithin = "read_within", unreadInLast = "unread_in_last", neverDelivered = "never_delivered"

        var readsColumn: Bool { [.equals, .notEquals, .oneOf, .contains, .atLeast, .atMost, .between].contains(self) }
    }

    struct Row: Equatable {
        var kind: String
        var column: String
        var value: String
        var value2: String
    }

    struct Words: Error, Equatable {
        var english: String
        var indonesian: String
    }

    var rows: [Row] = []
    /// Joined with `or` when staff chose "any of these".
    var any = false
    /// The rows as `segment:` text; nil when no row says anything.
    var text: String?
    /// Refused rows, `segment-N` → why.
    var problems: [String: Words] = [:]
    /// The row (`segment-N`) that names each column, to place the list's "no such column" beside it.
    var rowOfColumn: [String: String] = [:]

    init(_ form: MultipartForm) {
        func values(_ name: String) -> [String] {
            form.parts.filter { $0.name == name }.map { $0.text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }
        }
        let kinds = values("segment_kind"), columns = values("segment_column"), firsts = values("segment_value"), seconds = values("segment_value2")
        func at(_ list: [String], _ index: Int) -> String { index < list.count ? list[index] : "" }
        rows = kinds.indices.map { Row(kind: kinds[$0], column: at(columns, $0), value: at(firsts, $0), value2: at(seconds, $0)) }
        any = values("segment_join").first == "any"
        var conditions: [String] = []
        for (index, row) in rows.enumerated() {
            do {
                if let condition = try Self.condition(row) {
                    conditions.append(condition)
                    if !row.column.isEmpty, Kind(rawValue: row.kind)?.readsColumn == true, rowOfColumn[row.column.lowercased()] == nil {
                        rowOfColumn[row.column.lowercased()] = "segment-\(index)"
                    }
                }
            } catch {
                problems["segment-\(index)"] = error
            }
        }
        if problems.isEmpty, !conditions.isEmpty {
            text = conditions.joined(separator: any ? " or " : " and ")
        }
    }

    /// One row as segment text; nil for a row left blank (a condition added but not filled in yet).
    static func condition(_ row: Row) throws(Words) -> String? {
        guard let kind = Kind(rawValue: row.kind) else {
            throw Words(english: "choose a condition", indonesian: "pilih syarat")
        }
        if kind.readsColumn, row.column.isEmpty, row.value.isEmpty, row.value2.isEmpty { return nil }
        if kind.readsColumn, row.column.isEmpty {
            throw Words(english: "choose the column of the list this condition reads (for example city)",
                        indonesian: "pilih kolom daftar yang dibaca syarat ini (misalnya city)")
        }
        let column = try quoted(row.column)
        func number(_ text: String) throws(Words) -> String {
            guard let value = Double(text.replacingOccurrences(of: ",", with: ".")), value.isFinite else {
                throw Words(english: "'\(text)' is not a number (write 18 or 1.5)", indonesian: "'\(text)' bukan angka (tulis 18 atau 1,5)")
            }
            return value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        }
        func count(_ noun: Words) throws(Words) -> Int {
            guard let value = Int(row.value), (1...3650).contains(value) else {
                throw Words(english: "the number of \(noun.english) must be a whole number from 1 to 3650",
                            indonesian: "jumlah \(noun.indonesian) harus bilangan bulat 1 sampai 3650")
            }
            return value
        }
        func needValue() throws(Words) {
            if row.value.isEmpty { throw Words(english: "write the value to compare with", indonesian: "tulis nilai pembandingnya") }
        }
        switch kind {
        case .equals: try needValue(); return "\(column) = \(try quoted(row.value))"
        case .notEquals: try needValue(); return "\(column) != \(try quoted(row.value))"
        case .contains: try needValue(); return "\(column) contains \(try quoted(row.value))"
        case .oneOf:
            let items = row.value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !items.isEmpty else {
                throw Words(english: "write the values separated by commas (Jakarta, Bandung)", indonesian: "tulis nilainya dipisah koma (Jakarta, Bandung)")
            }
            var list: [String] = []
            for item in items { list.append(try quoted(item)) }
            return "\(column) in (\(list.joined(separator: ", ")))"
        case .atLeast: try needValue(); return "\(column) >= \(try number(row.value))"
        case .atMost: try needValue(); return "\(column) <= \(try number(row.value))"
        case .between:
            guard !row.value.isEmpty, !row.value2.isEmpty else {
                throw Words(english: "write both numbers of the range", indonesian: "tulis kedua angka rentangnya")
            }
            let low = try number(row.value), high = try number(row.value2)
            guard Double(low) ?? 0 <= Double(high) ?? 0 else {
                throw Words(english: "the first number must not be above the second", indonesian: "angka pertama tidak boleh lebih besar dari yang kedua")
            }
            return "\(column) between \(low) and \(high)"
        case .tag:
            guard !row.value.isEmpty else { throw Words(english: "write the tag (for example vip)", indonesian: "tulis tagnya (misalnya vip)") }
            return "tag \(try quoted(row.value))"
        case .repliedWithin: return "replied within \(try count(Words(english: "days", indonesian: "hari"))) days"
        case .readWithin: return "read within \(try count(Words(english: "days", indonesian: "hari"))) days"
        case .unreadInLast: return "unread in last \(try count(Words(english: "campaigns", indonesian: "kampanye"))) campaigns"
        case .neverDelivered: return "never delivered"
        }
    }

    /// A value or column name in quotes, so spaces, commas and words such as `and` stay text.
    static func quoted(_ text: String) throws(Words) -> String {
        if !text.contains("\"") { return "\"\(text)\"" }
        if !text.contains("'") { return "'\(text)'" }
        throw Words(english: "a value cannot hold both ' and \"", indonesian: "nilai tidak boleh memuat ' dan \" sekaligus")
    }
}
