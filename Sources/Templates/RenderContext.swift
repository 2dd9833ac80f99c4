public import Foundation

/// What the renderer knows about one recipient and the campaign.
public struct RenderContext: Sendable {
    /// The normalised phone number (`62812…`), also the seed of spintax choices.
    public var phone: String
    /// The contact's columns; keys are matched without regard to case.
    public var variables: [String: String]
    /// The campaign id (seeds choices, so it must stay the same for a campaign's lifetime).
    public var campaignId: String
    /// The campaign's display name, for `{campaign}`.
    public var campaignName: String
    /// The day `{date}` shows.
    public var date: Date
    public var timeZone: TimeZone

    public init(phone: String, variables: [String: String] = [:], campaignId: String, campaignName: String? = nil, date: Date = Date(), timeZone: TimeZone = TimeZone(identifier: "Asia/Jakarta")!) {
        self.phone = phone
        self.variables = Dictionary(variables.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        self.campaignId = campaignId
        self.campaignName = campaignName ?? campaignId
        self.date = date
        self.timeZone = timeZone
    }
}

/// A message ready to send, with the variant it came from.
public struct RenderedMessage: Sendable, Equatable {
    public var text: String
    /// Index into the template's variants.
    public var variantIndex: Int
    /// `A`, `B`, … as reports show it.
    public var variantName: String
}
