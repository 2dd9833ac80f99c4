extension ContactListResult {
    /// Writes `accepted.csv`: header `phone` plus the variable columns, one row per accepted contact
    /// in first-seen order.
    public func writeAccepted(to path: String) throws {
        var writer = try CSVFileWriter(path: path)
        try writer.writeRow(["phone"] + header.variableNames)
        for contact in accepted {
            try writer.writeRow(number: contact.phone.value, contact.variables)
        }
        try writer.finish()
    }

    /// Writes `rejected.csv`: header `line,input,reason`, one row per refused row in file order,
    /// reasons from ``RejectionReason``.
    public func writeRejected(to path: String) throws {
        var writer = try CSVFileWriter(path: path)
        try writer.writeRow(["line", "input", "reason"])
        for row in rejected {
            try writer.writeRow(number: row.line, row.input, row.reason.rawValue)
        }
        try writer.finish()
    }
}
