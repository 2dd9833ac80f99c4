/// What a contact list holds besides numbers: its format and the names of its variable columns.
/// Delivered once by ``ContactListReader/read(header:row:)`` before the first row.
public struct ContactListHeader: Sendable, Hashable {
    public var format: ContactListFormat
    /// The phone column's header as written, or nil when the list has no header row.
    public var phoneColumn: String?
    /// Template variable names of the other columns, in file order (``ContactRow/variables`` follow it).
    /// Header names are lower-cased with spaces and dashes turned into `_` (`Nama Lengkap` → `nama_lengkap`);
    /// a list without a header names them `column1`, `column2`, … by position.
    public var variableNames: [String]

    public init(format: ContactListFormat, phoneColumn: String?, variableNames: [String]) {
        self.format = format
        self.phoneColumn = phoneColumn
        self.variableNames = variableNames
    }
}
