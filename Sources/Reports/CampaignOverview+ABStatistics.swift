public import VariantStatistics

extension CampaignOverview {
    /// The A/B statistics of the campaign's variants (one unnamed variant when it has none), the
    /// same numbers in every report, the dashboard and `summary.json`.
    public var abStatistics: ABStatistics {
        ABStatistics(variants.map {
            VariantCounts(name: $0.name, sent: $0.sent, delivered: $0.delivered, read: $0.read, replied: $0.replied, optedOut: $0.optedOut)
        })
    }

    /// Whether the campaign compares named variants at all.
    public var hasVariantComparison: Bool { variants.filter { !$0.name.isEmpty && $0.sent > 0 }.count > 1 }
}
