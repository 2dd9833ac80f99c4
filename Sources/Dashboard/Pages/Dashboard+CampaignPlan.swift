import Foundation
import Pipeline
import Store

extension Dashboard {
    /// The plan of a campaign that still has messages to send (before approval above all): per
    /// session per day, warm and cold contacts, the estimated finish — the same words as preview.txt.
    func planSection(_ layout: PageLayout, campaign id: String) async throws -> String {
        guard let campaign = try await database.campaign(id), campaign.state.isOpen else { return "" }
        let counts = try await database.messageCounts(of: id)
        guard counts.pending + counts.sending + counts.retrying > 0 else { return "" }
        let options = campaign.options.flatMap { try? JSONDecoder().decode(CampaignOptions.self, from: Data($0.utf8)) }
        let plan = try await CampaignPlan.load(campaign: id, database: database, sending: configuration.sending,
                                               sessions: configuration.sessionNames, options: options,
                                               now: max(Date(), campaign.sendAt ?? .distantPast))
        let lines = plan.lines(english: layout.language == .en)
        guard let title = lines.first else { return "" }
        let items = lines.dropFirst().map { "<li>\(HTML.escape($0.trimmingCharacters(in: .whitespaces)))</li>" }.joined()
        return "<section class=\"card\" id=\"plan\"><h2>\(HTML.escape(title.trimmingCharacters(in: CharacterSet(charactersIn: ":"))))</h2><ul class=\"plan\">\(items)</ul></section>"
    }
}
