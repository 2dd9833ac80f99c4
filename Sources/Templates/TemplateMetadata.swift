/// What a template's front matter (`---` YAML block at the top of the file) says about it.
public struct TemplateMetadata: Sendable, Equatable {
    public var name: String?
    /// `id` or `en`; chooses the language of `{date}`.
    public var language: String?
    public var description: String?
    public var tags: [String]
    /// Replaces the configured opt-out footer for messages from this template. Turning the
    /// footer off is only possible globally (`message.optout_footer_enabled: false`).
    public var optOutFooter: String?

    public init(name: String? = nil, language: String? = nil, description: String? = nil, tags: [String] = [], optOutFooter: String? = nil) {
        self.name = name
        self.language = language
        self.description = description
        self.tags = tags
        self.optOutFooter = optOutFooter
    }
}
