/// The refused numbers of a campaign split by why: a list with many repeated numbers is not a
/// bad list, so reports show invalid numbers, duplicates and opted-out numbers apart.
extension CampaignOverview {
    /// Refusals with one reason code (`duplicate`, `opted-out`, `too-short`, …).
    public func refusals(_ code: String) -> Int {
        rejectionReasons.first { $0.reason == code }?.count ?? 0
    }

    /// The same number more than once in the list (each copy after the first).
    public var duplicateNumbers: Int { refusals("duplicate") }
    /// Numbers that asked not to be messaged.
    public var optedOutNumbers: Int { refusals("opted-out") }
    /// Contacts the engagement guard held back (they ignored their last campaigns).
    public var unengagedNumbers: Int { refusals("unengaged") }
    /// Entries that are not a usable number (too short, wrong country, spoiled by Excel, …).
    public var invalidNumbers: Int { max(0, rejected - duplicateNumbers - optedOutNumbers - unengagedNumbers) }
}
