/// A whole contact list read and screened: what `siaran contacts check` and the pipeline's
/// validate stage produce. Accepted contacts are in first-seen order; rejected rows in file order.
public struct ContactListResult: Sendable {
    public var file: String
    public var header: ContactListHeader
    public var accepted: [AcceptedContact]
    public var rejected: [RejectedRow]
    public var counts: ContactCounts

    public init(file: String, header: ContactListHeader, accepted: [AcceptedContact], rejected: [RejectedRow], counts: ContactCounts) {
        self.file = file
        self.header = header
        self.accepted = accepted
        self.rejected = rejected
        self.counts = counts
    }
}

extension ContactListReader {
    /// Reads and screens the whole list in one streaming pass.
    ///
    /// - Parameter optOut: numbers to refuse as `opted-out`.
    /// - Throws: ``ContactsError`` when the file cannot be read as a contact list.
    public func check(optOut: OptOutList = OptOutList()) throws -> ContactListResult {
        let opened = try open()
        // A numbers file has about 14 bytes a line. Reserving untouched capacity costs no memory
        // until used, and saves copying as the lists grow.
        let estimatedRows = min(FileProbe.size(of: file) / 14, configuration.maxRows)
        var screen = ContactScreen(configuration: configuration, optOut: optOut, expectedRows: estimatedRows / 2)
        var header = ContactListHeader(format: .text, phoneColumn: nil, variableNames: [])
        var accepted: [AcceptedContact] = []
        var rejected: [RejectedRow] = []
        if case .lines(let source) = opened {
            accepted.reserveCapacity(estimatedRows)
            rejected.reserveCapacity(estimatedRows / 2)
            var check = NumbersFileCheck(file: file, maxRows: configuration.maxRows)
            try check.run(source, screen: &screen, accepted: &accepted, rejected: &rejected)
        } else if case .delimited(let source) = opened {
            var state = (rows: delimitedRows(source), batch: BatchedScreen(screen))
            var scanner = DelimitedRecordScanner(delimiter: Self.delimiter(of: state.rows.format))
            try scanner.scan(source) { line, fields in
                if let row = try state.rows.take(line: line, fields: fields).row { state.batch.add(row) }
            }
            state.batch.flush()
            header = state.rows.header
            (screen, accepted, rejected) = (state.batch.screen, state.batch.accepted, state.batch.rejected)
        } else {
            var batch = BatchedScreen(screen)
            try read(opened, header: { header = $0 }) { batch.add($0) }
            batch.flush()
            (screen, accepted, rejected) = (batch.screen, batch.accepted, batch.rejected)
        }
        return ContactListResult(file: file, header: header, accepted: accepted, rejected: rejected, counts: screen.counts)
    }
}
