import Contacts
import Foundation
import GRDB
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
        let result: ContactListResult
        do {
            result = try ContactListReader(file: file, configuration: context.contacts).check(optOut: optOut)
        } catch {
            throw CampaignFailure("\(error)")
        }
        let outbox = context.campaignOutbox(campaign.id)
        try FileManager.default.createDirectory(atPath: outbox, withIntermediateDirectories: true)
        try result.writeRejected(to: (outbox as NSString).appendingPathComponent("rejected.csv"))
        let id = campaign.id
        let names = result.header.variableNames
        let accepted = result.accepted
        let rejected = result.rejected
        let summary = "accepted=\(result.counts.accepted) rejected=\(rejected.count)"
        try await context.database.write { db in
            let insertContact = try db.makeStatement(sql: "INSERT INTO contacts (campaignId, phone, line, variables) VALUES (?, ?, ?, ?)")
            for contact in accepted {
                let variables = Dictionary(zip(names, contact.variables), uniquingKeysWith: { first, _ in first })
                let json = variables.isEmpty ? nil : String(decoding: try JSONEncoder().encode(variables), as: UTF8.self)
                try insertContact.execute(arguments: [id, contact.phone.description, contact.line, json])
            }
            let insertRejected = try db.makeStatement(sql: "INSERT INTO rejectedContacts (campaignId, line, input, reason) VALUES (?, ?, ?, ?)")
            for row in rejected {
                try insertRejected.execute(arguments: [id, row.line, row.input, row.reason.rawValue])
            }
            try SiaranDatabase.markStage(CampaignStage.validate.rawValue, campaign: id, detail: summary, in: db)
            try SiaranDatabase.markStage(CampaignStage.dedupe.rawValue, campaign: id, in: db)
        }
        context.logger.info("contacts checked", metadata: ["campaign.id": "\(id)", "result": "\(summary)"])
    }

    /// The campaign's template: `variants:` in campaign.yaml, `template:` from templates/, or message.txt.
    func template() throws -> MessageTemplate {
        let message = drop.messageFile.flatMap { FileManager.default.contents(atPath: $0) }
        guard let template = try CampaignInputs.template(options: options, templates: context.templates, message: message) else {
            throw CampaignFailure("message.txt is missing from the spooled campaign")
        }
        return template
    }

    /// Renders every contact's message and gives each its id, before anything is sent.
    func render() async throws {
        let template: MessageTemplate
        do { template = try self.template() } catch let error as TemplateError { throw CampaignFailure(error.description) }
        let id = campaign.id
        let contacts = try await context.database.read { db in
            try Row.fetchAll(db, sql: "SELECT id, phone, variables FROM contacts WHERE campaignId = ? ORDER BY line", arguments: [id])
                .map { (id: $0["id"] as Int64, phone: $0["phone"] as String, variables: $0["variables"] as String?) }
        }
        let parsed = contacts.map { contact -> (Int64, String, [String: String]) in
            let variables = contact.variables.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? [:]
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
            throw CampaignFailure(check.errors.map(\.description).joined(separator: "\n"))
        }
        let timeZone = TimeZone(identifier: context.pipeline.sending.timeZone) ?? .current
        var rows: [(String, Int64, String, String, String)] = []
        rows.reserveCapacity(parsed.count)
        for (contactId, phone, variables) in parsed {
            let rendered = try renderer.render(template, for: RenderContext(
                phone: phone, variables: variables, campaignId: id, campaignName: campaign.name, date: context.clock.now(), timeZone: timeZone
            ), hasMedia: hasMedia)
            rows.append((MessageID.generate(), contactId, phone, rendered.variantName, rendered.text))
        }
        let now = context.clock.now()
        let prepared = rows
        try await context.database.write { db in
            let insert = try db.makeStatement(sql: """
                INSERT INTO messages (id, campaignId, contactId, phone, variant, text, state, queuedAt) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)
                """)
            let variant = try db.makeStatement(sql: "UPDATE contacts SET variant = ? WHERE id = ?")
            for row in prepared {
                try insert.execute(arguments: [row.0, id, row.1, row.2, row.3, row.4, now])
                try variant.execute(arguments: [row.3, row.1])
            }
            try SiaranDatabase.markStage(CampaignStage.render.rawValue, campaign: id, detail: "\(prepared.count) messages", in: db)
        }
        for warning in check.warnings { context.logger.warning("template: \(warning)", metadata: ["campaign.id": "\(id)"]) }
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
        let hash = sha
        try await context.database.write { db in
            if let hash {
                try db.execute(sql: "UPDATE messages SET mediaSHA256 = ? WHERE campaignId = ?", arguments: [hash, id])
            }
            try SiaranDatabase.markStage(CampaignStage.media.rawValue, campaign: id, detail: hash, in: db)
        }
    }

    /// `outbox/<campaign>/preview.txt`: the first messages exactly as they will be sent.
    func preview() async throws {
        let id = campaign.id
        let sample = try await context.database.read { db in
            try Row.fetchAll(db, sql: "SELECT phone, variant, text FROM messages WHERE campaignId = ? ORDER BY rowid LIMIT 5", arguments: [id])
                .map { "── to \($0["phone"] as String), variant \($0["variant"] as String? ?? "A") ──\n\($0["text"] as String)\n" }
        }
        let text = "Preview of \(campaign.name) (\(id)) — the first messages exactly as they will be sent\n\n" + sample.joined(separator: "\n")
        let outbox = context.campaignOutbox(id)
        try FileManager.default.createDirectory(atPath: outbox, withIntermediateDirectories: true)
        try text.write(toFile: (outbox as NSString).appendingPathComponent("preview.txt"), atomically: true, encoding: .utf8)
        if let first = try await context.database.read({ db in
            try String.fetchOne(db, sql: "SELECT text FROM messages WHERE campaignId = ? ORDER BY rowid LIMIT 1", arguments: [id])
        }) {
            let picture = previewPicture(drop.imageFile)
            defer { if let temporary = picture.temporary { try? FileManager.default.removeItem(atPath: temporary) } }
            try ChatPreview(text: first, picture: picture.picture, title: context.reports.companyName,
                            time: context.clock.now(), timeZone: TimeZone(identifier: context.pipeline.sending.timeZone) ?? .current)
                .write(to: (outbox as NSString).appendingPathComponent("preview.png"), campaign: id)
        }
        try await context.database.write { db in try SiaranDatabase.markStage(CampaignStage.preview.rawValue, campaign: id, in: db) }
    }
}

extension CampaignPreparation {
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
