public import Contacts
public import Foundation
public import Store

/// Who of a checked contact list a campaign goes to: the `segment:` keeps the contacts it
/// describes (the others are left out quietly, counted), then the engagement guard holds back
/// those who received their last N real campaigns and never read nor replied (listed in
/// `rejected.csv` as `unengaged`). Opted-out contacts were refused before, when the list was read.
public struct CampaignAudience: Sendable {
    public var segment: Segment?
    /// N of the engagement guard; 0 turns it off.
    public var guardCampaigns: Int

    public init(segment: Segment?, guardCampaigns: Int) {
        self.segment = segment
        self.guardCampaigns = guardCampaigns
    }

    /// What choosing did to a list.
    public struct Outcome: Sendable {
        public var result: ContactListResult
        /// Contacts the segment left out; nil without a segment.
        public var outsideSegment: Int?
        public var unengaged: Int
    }

    /// A segment column the list does not have, as a reason staff read.
    public struct MissingColumn: Error, Sendable {
        public var column: String
        public var offset: Int
        public var columns: [String]
    }

    /// Applies the segment and the guard to `result`, reading each contact's history from the
    /// database when a condition or the guard needs it. `campaign` is left out of the history.
    public func choose(from result: ContactListResult, database: SiaranDatabase, campaign: String?, now: Date) async throws -> Outcome {
        var result = result
        let names = result.header.variableNames
        if let segment, let missing = segment.missingColumn(in: names) {
            throw MissingColumn(column: missing.name, offset: missing.offset, columns: names)
        }
        let depth = max(guardCampaigns, segment?.historyDepth ?? 0)
        let histories = depth > 0
            ? try await database.contactHistories(phones: result.accepted.map { $0.phone.description }, recent: depth, excluding: campaign)
            : [:]
        var outside: Int?
        if let segment {
            let before = result.accepted.count
            result.accepted = result.accepted.filter { contact in
                let variables = Dictionary(zip(names, contact.variables), uniquingKeysWith: { first, _ in first })
                return segment.matches(variables, history: histories[contact.phone.description] ?? ContactHistory(), now: now)
            }
            outside = before - result.accepted.count
            result.counts.accepted = result.accepted.count
        }
        var unengaged = 0
        // In place, and only when someone is held back: a second array of every accepted contact
        // was the preparation's largest allocation at 100,000 contacts.
        if guardCampaigns > 0, !histories.isEmpty {
            let held = { (contact: AcceptedContact) in histories[contact.phone.description]?.isUnengaged(campaigns: guardCampaigns) == true }
            for contact in result.accepted where held(contact) {
                result.rejected.append(RejectedRow(line: contact.line, input: contact.phone.description, reason: .unengaged))
                unengaged += 1
            }
            if unengaged > 0 {
                result.accepted.removeAll(where: held)
                result.rejected.sort { $0.line < $1.line }
                result.counts.accepted -= unengaged
                result.counts.rejected += unengaged
                result.counts.unengaged = unengaged
            }
        }
        return Outcome(result: result, outsideSegment: outside, unengaged: unengaged)
    }
}
