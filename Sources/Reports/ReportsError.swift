/// Why a report could not be written, with the file and campaign a person needs to act on it.
public struct ReportsError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: Sendable, Equatable {
        /// No campaign with this id is in the database.
        case unknownCampaign
        /// A file or folder could not be created or written.
        case cannotWrite(reason: String)
        /// libxlsxwriter refused the workbook (its own error text).
        case spreadsheet(reason: String)
        /// cairo refused the drawing (its own status text).
        case drawing(reason: String)
        /// An image (company logo, campaign picture) could not be read.
        case image(reason: String)
    }

    public var code: Code
    /// The campaign the report is for.
    public var campaign: String
    /// The file being written or read, if any.
    public var file: String?

    public init(_ code: Code, campaign: String, file: String? = nil) {
        self.code = code
        self.campaign = campaign
        self.file = file
    }

    public var description: String {
        let place = file.map { " (\($0))" } ?? ""
        switch code {
        case .unknownCampaign: return "no campaign \(campaign) in the database; see `siaran campaigns list`"
        case .cannotWrite(let reason): return "report for \(campaign) cannot be written\(place): \(reason)"
        case .spreadsheet(let reason): return "report.xlsx for \(campaign) failed\(place): \(reason)"
        case .drawing(let reason): return "drawing the report for \(campaign) failed\(place): \(reason)"
        case .image(let reason): return "image for the report of \(campaign) cannot be used\(place): \(reason)"
        }
    }
}
