import Contacts
import Foundation
import Media
import Reports
import Store
import Templates

/// The stages before sending: contacts (validate + dedupe), messages (render), media, preview.
struct CampaignPreparation {
    let context: PipelineContext
    let campaign: CampaignRecord
    let options: CampaignOptions

    var folder: String { campaign.spoolPath }
    var drop: Drop {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return Drop(name: campaign.name, kind: .folder, files: names.sorted().map { (folder as NSString).appendingPathComponent($0) })
    }

    /// Reads, validates and dedupes the contact list; writes contacts, refusals and rejected.csv.
    func validate() async throws {
        guard let file = drop.contactsFile else { throw CampaignFailure("the contact list is missing from the spooled campaign") }
        let optOut = try await CampaignInputs.optOutList(file: context.optOutFile, contacts: context.contacts, database: context.database)
        // A dry-run is a rehearsal: never history for the engagement guard, segments or send times.
        try await context.database.setRehearsal(context.pipeline.sending.transport == .dryRun, campaign: campaign.id)
        var result: ContactListResult
        do {
            result = try ContactListReader(file: file, configuration: context.contacts).check(optOut: optOut)
        } catch let error as ContactsError {
            throw CampaignFailure(StaffReason(contacts: error, file: (file as NSString).lastPathComponent))
        } catch {
            throw CampaignFailure("\((file as NSString).lastPathComponent): \(error)")
        }
        let fileName = (file as NSString).lastPathComponent
        let audience = try audience()
        let chosen: CampaignAudience.Outcome
        do {
            chosen = try await audience.choose(from: result, database: context.database, campaign: campaign.id, now: context.clock.now())
        } catch let missing as CampaignAudience.MissingColumn {
            let columns = missing.columns.isEmpty ? "none (a plain numbers file)" : missing.columns.joined(separator: ", ")
            throw CampaignFailure(StaffReason(
                english: "campaign.yaml: segment: \(fileName) has no column '\(missing.column)' (its columns: \(columns))",
                indonesian: "campaign.yaml: segment: \(fileName) tidak punya kolom '\(missing.column)' (kolomnya: \(missing.columns.isEmpty ? "tidak ada (file nomor saja)" : missing.columns.joined(separator: ", ")))"))
        }
        result = chosen.result
        try await context.database.setOutsideSegment(chosen.outsideSegment, campaign: campaign.id)
        let outbox = context.campaignOutbox(campaign)
        try FileManager.default.createDirectory(atPath: outbox, withIntermediateDirectories: true)
        try writeRejected(result, to: (outbox as NSString).appendingPathComponent("rejected.csv"))
        let id = campaign.id
        let names = result.header.variableNames
        let accepted = result.accepted
        let rejected = result.rejected
        var summary = "accepted=\(result.counts.accepted) rejected=\(rejected.count)"
        if let outside = chosen.outsideSegment { summary += " outside_segment=\(outside)" }
        if chosen.unengaged > 0 { summary += " unengaged=\(chosen.unengaged)" }
        let contacts = try accepted.map { contact in
            let variables = Dictionary(zip(names, contact.variables), uniquingKeysWith: { first, _ in first })
            let json = variables.isEmpty ? nil : String(decoding: try JSONEncoder().encode(variables), as: UTF8.self)
            return NewContact(phone: contact.phone.description, line: contact.line, variablesJSON: json)
        }
        try await context.database.recordContacts(campaign: id, accepted: contacts,
                                                  rejected: rejected.map { NewRejection(line: $0.line, input: $0.input, reason: $0.reason.rawValue) },
                                                  summary: summary)
        context.logger.info("contacts checked", metadata: ["campaign.id": "\(id)", "result": "\(summary)"])
    }

    /// The campaign's segment and engagement guard (`campaign.yaml` wins over `pipeline.yaml`).
    func audience() throws -> CampaignAudience {
        var segment: Segment?
        if let text = options.segment {
            do { segment = try Segment.parse(text) } catch {
                throw CampaignFailure(StaffReason(english: "campaign.yaml: segment: \(error.english)", indonesian: "campaign.yaml: segment: \(error.indonesian)"))
            }
        }
        return CampaignAudience(segment: segment, guardCampaigns: options.engagementGuard ?? context.pipeline.sending.unengagedCampaigns)
    }

    /// The campaign's template: `variants:` in campaign.yaml, `template:` from templates/, or message.txt.
    func template() throws -> MessageTemplate {
        let message = drop.messageFile.flatMap { FileManager.default.contents(atPath: $0) }
        guard let template = try CampaignInputs.template(options: options, templates: context.templates, message: message) else {
            throw CampaignFailure(DropScanner.missingMessage.reason(waited: nil))
        }
        return template
    }

    /// Renders every contact's message and gives each its id, before anything is sent.
    func render() async throws {
        let template: MessageTemplate
        do { template = try self.template() } catch let error as TemplateError { throw CampaignFailure(StaffReason(template: error)) }
        let id = campaign.id
        var contacts = try await context.database.contacts(of: id)
        if let abTest = options.abTest {
            guard template.variants.count >= 2 else {
                throw CampaignFailure(StaffReason(english: "campaign.yaml: ab_test needs at least two variants (variants: in campaign.yaml, or texts separated by a line --- in message.txt)",
                                                  indonesian: "campaign.yaml: ab_test perlu paling sedikit dua varian (variants: di campaign.yaml, atau teks dipisah baris --- di message.txt)"))
            }
            contacts = Self.sample(contacts, percent: abTest.samplePercent, campaign: id)
        }
        try await render(contacts, template: template)
    }

    /// A test-then-winner campaign's sample: a share of the contacts chosen at random, the same
    /// on every run (ordered by a hash of campaign and number), in list order.
    static func sample(_ contacts: [StoredContact], percent: Double, campaign: String) -> [StoredContact] {
        let size = min(contacts.count, max(1, Int((Double(contacts.count) * percent / 100).rounded(.up))))
        let chosen = Set(contacts.map { ($0.id, SHA256Hex.of(Data("\(campaign)|\($0.phone)".utf8))) }.sorted { $0.1 < $1.1 }.prefix(size).map(\.0))
        return contacts.filter { chosen.contains($0.id) }
    }

    /// Renders the messages of everyone outside a test's sample with the winning variant, and
    /// records them with the decision in one transaction.
    func renderRest(winner: String, decidedBy: String, pValue: Double?, reason: String) async throws -> Int {
        var template = try self.template()
        guard let index = (0..<template.variants.count).first(where: { MessageTemplate.variantName($0) == winner }) else {
            throw CampaignFailure("the winning variant \(winner) is not in the template")
        }
        template.variants = [template.variants[index]]
        let rest = try await context.database.contactsWithoutMessage(of: campaign.id)
        let rows = try renderedRows(rest, template: template).map { row in
            NewMessage(id: row.id, contactId: row.contactId, phone: row.phone, variant: winner, text: row.text)
        }
        try await context.database.recordABDecision(campaign: campaign.id, winner: winner, decidedBy: decidedBy, pValue: pValue, reason: reason,
                                                    messages: rows, at: context.clock.now())
        return rows.count
    }

    private func render(_ contacts: [StoredContact], template: MessageTemplate) async throws {
        let id = campaign.id
        let rows = try renderedRows(contacts, template: template)
        let now = context.clock.now()
        try await context.database.recordRenderedMessages(campaign: id, messages: rows, queuedAt: now)
    }

    private func renderedRows(_ contacts: [StoredContact], template: MessageTemplate) throws -> [NewMessage] {
        let id = campaign.id
        let parsed = contacts.map { contact -> (Int64, String, [String: String]) in
            let variables = contact.variablesJSON.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? [:]
            return (contact.id, contact.phone, variables)
        }
        var columns = Set<String>()
        var longest: [String: Int] = [:]
        for (_, _, variables) in parsed {
            for (key, value) in variables {
                columns.insert(key)
                longest[key] = max(longest[key] ?? 0, value.utf16.count)
            }
        }
        let hasMedia = drop.imageFile != nil
        let renderer = MessageRenderer(configuration: context.message, columns: columns)
        let check = renderer.check(template, hasMedia: hasMedia, longestValues: longest)
        if !check.errors.isEmpty {
            throw CampaignFailure(StaffReason(joining: check.errors.map { StaffReason(template: $0) }))
        }
        let timeZone = TimeZone(identifier: context.pipeline.sending.timeZone) ?? .current
        var rows: [NewMessage] = []
        rows.reserveCapacity(parsed.count)
        for (contactId, phone, variables) in parsed {
            let rendered = try renderer.render(template, for: RenderContext(
                phone: phone, variables: variables, campaignId: id, campaignName: campaign.name, date: context.clock.now(), timeZone: timeZone
            ), hasMedia: hasMedia)
            rows.append(NewMessage(id: MessageID.generate(), contactId: contactId, phone: phone, variant: rendered.variantName, text: rendered.text))
        }
        for warning in check.warnings { context.logger.warning("template: \(warning)", metadata: ["campaign.id": "\(id)"]) }
        return rows
    }

    /// Makes the campaign image WhatsApp-ready once (not per contact), through the media cache,
    /// and records the prepared file's hash for every message. A picture that cannot be used
    /// fails the campaign with the reason in errors.txt.
    func media() async throws {
        let id = campaign.id
        var sha: String?
        if let image = drop.imageFile {
            let entry = try CampaignMedia(context: context).prepared(image: image)
            sha = entry.sha256
            context.logger.info("media prepared", metadata: [
                "campaign.id": "\(id)", "media.size": "\(entry.width)x\(entry.height)", "media.cached": "\(entry.cached)",
            ])
        }
        try await context.database.recordMedia(campaign: id, sha256: sha)
    }

    /// `outbox/<campaign>/preview.txt`: the first messages exactly as they will be sent.
    func preview() async throws {
        let id = campaign.id
        let messages = try await context.database.sampleMessages(of: id, limit: 5)
        let sample = messages.map { "── to \($0.phone), variant \($0.variant ?? "A") ──\n\($0.text)\n" }
        // The plan before approval: days, sessions, warm and cold contacts, the estimated finish.
        var sessions = context.sessions
        for extra in await context.transport.sessionNames() where !sessions.contains(extra) { sessions.append(extra) }
        let plan = try await CampaignPlan.load(campaign: id, database: context.database, sending: context.pipeline.sending,
                                               sessions: sessions, options: options, now: max(context.clock.now(), campaign.sendAt ?? .distantPast))
        let planText = (plan.lines(english: true) + [""] + plan.lines(english: false)).joined(separator: "\n")
        let text = "Preview of \(campaign.name) (\(id)) — the first messages exactly as they will be sent\n\n" + sample.joined(separator: "\n")
            + "\n" + planText + "\n"
        let outbox = context.campaignOutbox(campaign)
        try FileManager.default.createDirectory(atPath: outbox, withIntermediateDirectories: true)
        try text.write(toFile: (outbox as NSString).appendingPathComponent("preview.txt"), atomically: true, encoding: .utf8)
        if let first = messages.first?.text {
            let picture = previewPicture(drop.imageFile)
            defer { if let temporary = picture.temporary { try? FileManager.default.removeItem(atPath: temporary) } }
            try ChatPreview(text: first, picture: picture.picture, title: context.reports.companyName,
                            time: context.clock.now(), timeZone: context.timeZone)
                .write(to: (outbox as NSString).appendingPathComponent("preview.png"), campaign: id)
        }
        try await context.database.markStage(.preview, campaign: id)
    }
}

extension CampaignPreparation {
    /// `rejected.csv`: the reason codes scripts read, and beside them the reason in plain words in
    /// the report language (`alasan` in Bahasa Indonesia, `explanation` in English).
    func writeRejected(_ result: ContactListResult, to path: String) throws {
        let indonesian = context.reports.language != .english
        try result.writeRejected(to: path, explanation: (column: indonesian ? "alasan" : "explanation", words: { reason in
            ReasonWording.phrase(reason.rawValue, indonesian: indonesian)
        }))
    }

    /// The campaign picture for preview.png: made with the campaign's media settings (as it will
    /// be sent), then a small WebP the chat-bubble renderer decodes itself. Nil draws a
    /// placeholder; an unreadable picture is refused later by the media stage, not here.
    func previewPicture(_ image: String?) -> (picture: ChatPreview.Picture?, temporary: String?) {
        guard let image else { return (nil, nil) }
        var settings = context.media
        settings.format = .webp
        settings.maxSide = min(settings.maxSide, 640)
        guard let prepared = try? MediaPreparer(configuration: settings).prepare(file: image) else { return (.file(image), nil) }
        let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("siaran-preview-\(UUID().uuidString).webp")
        guard (try? prepared.data.write(to: URL(fileURLWithPath: path))) != nil else { return (.file(image), nil) }
        return (.file(path), path)
    }
}

import Crypto

enum SHA256Hex {
    static func of(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }
}
