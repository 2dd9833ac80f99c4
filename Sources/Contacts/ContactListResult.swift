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
        var screen = ContactScreen(configuration: configuration, optOut: optOut)
        var header = ContactListHeader(format: .text, phoneColumn: nil, variableNames: [])
        var accepted: [AcceptedContact] = []
        var rejected: [RejectedRow] = []
        try read(header: { header = $0 }) { row in
            switch screen.screen(row) {
            case .accepted(let contact): accepted.append(contact)
            case .rejected(let refusal): rejected.append(refusal)
            }
        }
        return ContactListResult(file: file, header: header, accepted: accepted, rejected: rejected, counts: screen.counts)
    }
}
