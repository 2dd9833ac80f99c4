/// Which cell of a delimited row or worksheet row holds the phone number, and what the other cells
/// are called. Decided once, from the first non-empty row.
struct ColumnLayout: Sendable {
    /// Whether the first row was a header (it is then not a data row).
    var hasHeaderRow: Bool
    var phoneIndex: Int
    var phoneColumnName: String?
    var variableNames: [String]
    /// Column index of each variable, parallel to `variableNames`.
    var variableIndices: [Int]
    /// Columns in the first row.
    var columnCount: Int

    /// Header names recognised as the phone column, compared without case, spaces or punctuation.
    /// Earlier names win when a list has several (a `whatsapp` column beats a general `phone`).
    static let phoneHeaderNames: [String] = [
        "whatsapp", "whatsappnumber", "nomorwhatsapp", "nowhatsapp", "wa", "nowa", "nomorwa",
        "hp", "nohp", "nomorhp", "handphone", "nomorhandphone", "ponsel", "nomorponsel", "mobile", "mobilephone",
        "phone", "phonenumber", "phoneno", "nomor", "nomortelepon", "notelepon", "telepon", "notelp", "telp",
        "number", "msisdn",
    ]

    /// The layout for a list whose first non-empty row is `fields`, or nil when no column can be the phone.
    static func detect(firstRow fields: [String], normalizer: PhoneNormalizer) -> ColumnLayout? {
        let keys = fields.map(matchKey)
        for name in phoneHeaderNames {
            if let index = keys.firstIndex(of: name) {
                return headerLayout(fields, phoneIndex: index)
            }
        }
        // No header: the first cell that reads as a phone number (valid or not) marks the column.
        for (index, field) in fields.enumerated() {
            switch normalizer.normalize(field) {
            case .valid, .invalid(.wrongCountry), .invalid(.tooShort), .invalid(.tooLong),
                 .invalid(.notMobile), .invalid(.scientificNotation):
                return headerlessLayout(columnCount: fields.count, phoneIndex: index)
            case .invalid:
                continue
            }
        }
        return nil
    }

    private static func headerLayout(_ fields: [String], phoneIndex: Int) -> ColumnLayout {
        var names: [String] = []
        var indices: [Int] = []
        var used: Set<String> = ["phone"]
        for (index, field) in fields.enumerated() where index != phoneIndex {
            var name = variableName(field)
            if name.isEmpty { name = "column\(index + 1)" }
            if used.contains(name) {
                var suffix = 2
                while used.contains("\(name)_\(suffix)") { suffix += 1 }
                name = "\(name)_\(suffix)"
            }
            used.insert(name)
            names.append(name)
            indices.append(index)
        }
        return ColumnLayout(
            hasHeaderRow: true, phoneIndex: phoneIndex, phoneColumnName: fields[phoneIndex],
            variableNames: names, variableIndices: indices, columnCount: fields.count
        )
    }

    private static func headerlessLayout(columnCount: Int, phoneIndex: Int) -> ColumnLayout {
        let indices = (0..<columnCount).filter { $0 != phoneIndex }
        return ColumnLayout(
            hasHeaderRow: false, phoneIndex: phoneIndex, phoneColumnName: nil,
            variableNames: indices.map { "column\($0 + 1)" }, variableIndices: indices, columnCount: columnCount
        )
    }

    /// The data row for `fields` (cells beyond the known columns are ignored, missing ones are empty).
    func row(line: Int, fields: consuming [String]) -> ContactRow {
        if fields.count == columnCount {
            // The usual case: the variables are the row without its phone cell, in place.
            var variables = fields
            let input = variables.remove(at: phoneIndex)
            return ContactRow(line: line, input: input, variables: variables)
        }
        let input = phoneIndex < fields.count ? fields[phoneIndex] : ""
        var variables: [String] = []
        variables.reserveCapacity(variableIndices.count)
        for index in variableIndices {
            variables.append(index < fields.count ? fields[index] : "")
        }
        return ContactRow(line: line, input: input, variables: variables)
    }

    /// `No. HP` → `nohp`: what header names are compared by.
    static func matchKey(_ header: String) -> String {
        String(String.UnicodeScalarView(header.lowercased().unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) }))
    }

    /// `Nama Lengkap` → `nama_lengkap`: the template variable name for a header.
    static func variableName(_ header: String) -> String {
        var result = ""
        var pendingUnderscore = false
        for scalar in header.lowercased().unicodeScalars {
            if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                if pendingUnderscore && !result.isEmpty { result.append("_") }
                pendingUnderscore = false
                result.unicodeScalars.append(scalar)
            } else {
                pendingUnderscore = true
            }
        }
        return result
    }
}
