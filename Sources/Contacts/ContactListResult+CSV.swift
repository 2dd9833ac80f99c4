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
    /// reasons from ``RejectionReason``. With `explanation`, a fourth column (named `column`) gives
    /// each reason in words people read, beside the code scripts read.
    public func writeRejected(to path: String, explanation: (column: String, words: (RejectionReason) -> String)? = nil) throws {
        var writer = try CSVFileWriter(path: path)
        try writer.writeRow(["line", "input", "reason"] + (explanation.map { [$0.column] } ?? []))
        for row in rejected {
            if let explanation {
                try writer.writeRow(number: UInt64(max(row.line, 0)), [row.input, row.reason.rawValue, explanation.words(row.reason)])
            } else {
                try writer.writeRow(number: row.line, row.input, row.reason.rawValue)
            }
        }
        try writer.finish()
    }
}
