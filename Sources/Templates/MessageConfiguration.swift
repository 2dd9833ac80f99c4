/// How campaign messages are rendered. Built from the `message:` section of `pipeline.yaml`.
public struct MessageConfiguration: Sendable, Equatable {
    /// Appended to every marketing message so recipients can always opt out.
    public var optOutFooter: String
    /// Turning the footer off needs this explicit setting; an empty footer text alone is refused.
    public var optOutFooterEnabled: Bool
    /// Value used for `{name}` when a contact has no name and the template gives no fallback.
    public var defaultName: String?
    /// Longest text message, in UTF-16 code units (what WhatsApp clients count).
    /// 4,096 is the WhatsApp Business Platform's limit for a text body.
    public var maxTextLength: Int
    /// Longest image caption, in UTF-16 code units. 1,024 is the WhatsApp Business Platform's
    /// caption limit; phones collapse longer captions behind "Read more".
    public var maxCaptionLength: Int

    public init(
        optOutFooter: String = "Balas STOP untuk berhenti menerima pesan.",
        optOutFooterEnabled: Bool = true,
        defaultName: String? = nil,
        maxTextLength: Int = 4096,
        maxCaptionLength: Int = 1024
    ) {
        self.optOutFooter = optOutFooter
        self.optOutFooterEnabled = optOutFooterEnabled
        self.defaultName = defaultName
        self.maxTextLength = maxTextLength
        self.maxCaptionLength = maxCaptionLength
    }
}
