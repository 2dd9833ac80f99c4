public import Contacts
public import Foundation
public import Store
public import Templates

/// The pieces of campaign preparation that other front ends (the dashboard's preview) must do
/// exactly as the pipeline does: which numbers are suppressed, and which template a drop means.
public enum CampaignInputs {
    /// Everyone who opted out: the opt-out file (any spelling the contact rules understand), the
    /// database's `optOuts` table and the forgotten opted-out numbers together, as the validate stage refuses them.
    public static func optOutList(file: String, contacts: ContactsConfiguration, database: SiaranDatabase) async throws -> OptOutList {
        var list = (try? OptOutList.load(file: file, configuration: contacts)) ?? OptOutList()
        let suppressed = try await database.suppressedNumbers()
        for phone in suppressed.phones {
            if let number = PhoneNumber(digits: phone) { list.insert(number) }
        }
        // Forgotten numbers that had opted out are known only by a salted hash.
        if suppressed.hasForgottenNumbers { list.alsoRefuses = { suppressed.contains($0.description) } }
        return list
    }

    /// The campaign's template: `variants:` in campaign.yaml first, then `template: NAME` from the
    /// templates folder, then the drop's message.txt (`message`); nil when there is none at all.
    public static func template(options: CampaignOptions, templates: String, message: Data?) throws(TemplateError) -> MessageTemplate? {
        if let variants = options.variants {
            return try MessageTemplate(variants: variants, file: "campaign.yaml")
        }
        if let name = options.template {
            return try TemplateLibrary(folder: templates).template(named: name)
        }
        guard let message else { return nil }
        return try MessageTemplate(data: message, file: "message.txt")
    }
}
