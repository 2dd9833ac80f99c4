/// Turns the records of a delimited file into a header and data rows: the first non-empty record
/// decides the layout (and is skipped when it is a header), empty records are skipped, and the row
/// limit is enforced.
struct DelimitedRows {
    let file: String
    let format: ContactListFormat
    let normalizer: PhoneNormalizer
    let maxRows: Int
    private(set) var layout: ColumnLayout?
    private var rows = 0

    init(file: String, format: ContactListFormat, normalizer: PhoneNormalizer, maxRows: Int) {
        self.file = file
        self.format = format
        self.normalizer = normalizer
        self.maxRows = maxRows
    }

    /// The header, once there is one (empty until the first non-empty record).
    var header: ContactListHeader {
        ContactListHeader(format: format, phoneColumn: layout?.phoneColumnName, variableNames: layout?.variableNames ?? [])
    }

    /// What one record gives: the header when it decided the layout, and the data row if it is one.
    mutating func take(line: Int, fields: consuming [String]) throws(ContactsError) -> (header: ContactListHeader?, row: ContactRow?) {
        guard fields.contains(where: { !$0.isEmpty }) else { return (nil, nil) }
        if let layout { return (nil, try count(layout.row(line: line, fields: fields))) }
        guard let detected = ColumnLayout.detect(firstRow: fields, normalizer: normalizer) else {
            throw ContactsError(.noPhoneColumn(headers: fields), file: file, line: line)
        }
        layout = detected
        return (header, detected.hasHeaderRow ? nil : try count(detected.row(line: line, fields: fields)))
    }

    private mutating func count(_ row: ContactRow) throws(ContactsError) -> ContactRow {
        rows += 1
        if rows > maxRows { throw ContactsError(.tooManyRows(limit: maxRows), file: file, line: row.line) }
        return row
    }
}
