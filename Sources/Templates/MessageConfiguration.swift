/// How campaign messages are rendered. Built from the `message:` section of `pipeline.yaml`.
public struct MessageConfiguration: Sendable, Equatable {
    /// Appended to every marketing message so recipients can always opt out.
    public var optOutFooter: String
    /// Turning the footer off needs this explicit setting; an empty footer text alone is refused.
    public var optOutFooterEnabled: Bool
    /// Value used for `{name}` when a contact has no name and the template gives no fallback.
    public var defaultName: String?

    public init(
        optOutFooter: String = "Balas STOP untuk berhenti menerima pesan.",
        optOutFooterEnabled: Bool = true,
        defaultName: String? = nil
    ) {
        self.optOutFooter = optOutFooter
        self.optOutFooterEnabled = optOutFooterEnabled
        self.defaultName = defaultName
    }
}
