/// What reports look like. Built from the `reports:` and `company:` sections of `pipeline.yaml`.
public struct ReportsConfiguration: Sendable, Equatable {
    public enum Language: String, Sendable, CaseIterable {
        case indonesian = "id"
        case english = "en"
    }

    public enum Format: String, Sendable, CaseIterable {
        case csv, pdf, xlsx, json
    }

    public var language: Language
    public var formats: [Format]
    /// Start `report.csv` with a UTF-8 byte-order mark so Excel picks the right encoding.
    public var csvByteOrderMark: Bool
    /// Company name on the report cover (white label).
    public var companyName: String
    /// Optional PNG logo on the report cover, relative to the working directory.
    public var companyLogo: String?
    /// Time zone used for every date in a report (IANA name).
    public var timeZone: String
    /// A message the server acknowledged that has had no delivery receipt for this many hours is
    /// stuck at "sent" (`reports.delivery_alert_hours`): listed in the reports, and counted by the
    /// daemon's delivery alert.
    public var deliveryAlertHours: Int
    public static let defaultDeliveryAlertHours = 24

    public init(
        language: Language = .indonesian,
        formats: [Format] = Format.allCases,
        csvByteOrderMark: Bool = true,
        companyName: String = "Siaran",
        companyLogo: String? = nil,
        timeZone: String = "Asia/Jakarta",
        deliveryAlertHours: Int = ReportsConfiguration.defaultDeliveryAlertHours
    ) {
        self.language = language
        self.formats = formats
        self.csvByteOrderMark = csvByteOrderMark
        self.companyName = companyName
        self.companyLogo = companyLogo
        self.timeZone = timeZone
        self.deliveryAlertHours = deliveryAlertHours
    }
}
