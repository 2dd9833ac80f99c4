import Contacts
import Foundation
import Media
import Pipeline
import Reports
import Store
import Templates

/// What `POST /api/campaign/preview` answers: the form's campaign checked, rendered and its
/// picture prepared by the pipeline's own code, before anything is dropped into inbox/.
struct CampaignPreview: Codable, Sendable {
    struct ContactsSummary: Codable, Sendable {
        /// Data rows read (header, blank and comment lines not counted).
        var rows: Int
        var valid: Int
        /// Refused for the number itself (not a number, wrong country, too short, …).
        var refused: Int
        var duplicates: Int
        var optedOut: Int
        /// Columns besides the phone (usable as `{column}`).
        var columns: [String]
        /// The first refusals in file order.
        var refusals: [Refusal]
    }

    struct Refusal: Codable, Sendable {
        var line: Int
        var input: String
        /// The `rejected.csv` word: `not-a-number`, `too-short`, `duplicate`, `opted-out`, …
        var reason: String
        var duplicateOf: Int?
    }

    struct Message: Codable, Sendable {
        var phone: String
        var variant: String
        var text: String
        /// The text as WhatsApp shows it: runs with their styles (`bold`, `italic`, `strike`, `mono`), markers removed.
        var runs: [Span]
    }

    /// A run of message text in one WhatsApp style.
    struct Span: Codable, Sendable, Equatable {
        var text: String
        var style: [String]

        static func runs(_ text: String) -> [Span] {
            WhatsAppText.runs(text).map { run in
                Span(text: run.text, style: [(WhatsAppText.Style.bold, "bold"), (.italic, "italic"), (.strike, "strike"), (.mono, "mono")]
                    .filter { run.style.contains($0.0) }.map(\.1))
            }
        }
    }

    struct Media: Codable, Sendable {
        var upload: String
        var original: PreparedUpload.Image
        var prepared: PreparedUpload.Image
        /// Where the prepared picture is served (`GET /api/uploads/:id/prepared`).
        var url: String
    }

    var contacts: ContactsSummary?
    var contactsError: String?
    /// The first messages as they will be sent (a sample recipient when no numbers were given).
    var messages: [Message]
    var sample: Bool
    /// Problems that would fail the campaign at the render stage (with file, line and column),
    /// and every refused option.
    var problems: [String]
    /// Refused options by field (`send_at`, `sessions`, `delay`, `approval`, `priority`,
    /// `variants`, `name`, `options`), in the page's language, to show beside each field.
    var fields: [String: String] = [:]
    var warnings: [String]
    var media: Media?
    var mediaError: String?
    /// Who of the list the segment keeps, counted by the code `siaran contacts segment` uses; nil
    /// without a segment or a list.
    var segment: SegmentCount?

    /// `rows`, `usable` (valid, not opted out, no duplicate), `optedOut`, `outsideSegment` and
    /// `matching`, as `siaran contacts segment` prints them; `text` is the segment as campaign.yaml says it.
    struct SegmentCount: Codable, Sendable, Equatable {
        var text: String
        var rows: Int
        var usable: Int
        var optedOut: Int
        var outsideSegment: Int
        var matching: Int
    }
}

extension Dashboard {
    static let samplePhone = "6281234567890"

    /// Builds the preview of the campaign in `form` (the fields of `/api/campaign/create`).
    func preview(_ form: MultipartForm, indonesian: Bool = false) async throws -> CampaignPreview {
        var preview = CampaignPreview(messages: [], sample: false, problems: [], warnings: [])
        // Options first, checked as create checks them: they may name a template or variants.
        let checked = CampaignForm(form, timeZone: configuration.timeZone, indonesian: indonesian)
        let options = checked.options
        preview.fields = checked.problems
        preview.problems += checked.problems.sorted { $0.key < $1.key }.map { $0.key == "options" ? $0.value : "\($0.key): \($0.value)" }
        let name = options.name ?? "campaign"

        // Contacts: the validate and dedupe stages' reader and opt-out list.
        var accepted: [(phone: String, variables: [String: String])] = []
        var columns: [String] = []
        var longest: [String: Int] = [:]
        if let file = try contactsFile(form) {
            defer { if file.temporary { try? FileManager.default.removeItem(atPath: (file.path as NSString).deletingLastPathComponent) } }
            let optOut = try await CampaignInputs.optOutList(file: configuration.optOutFile, contacts: configuration.contacts, database: database)
            do {
                let result = try ContactListReader(file: file.path, configuration: configuration.contacts).check(optOut: optOut)
                columns = result.header.variableNames
                for contact in result.accepted {
                    for (key, value) in zip(columns, contact.variables) { longest[key] = max(longest[key] ?? 0, value.utf16.count) }
                }
                accepted = result.accepted.prefix(3).map { contact in
                    (contact.phone.description, Dictionary(zip(columns, contact.variables), uniquingKeysWith: { first, _ in first }))
                }
                // The segment, as `siaran contacts segment` counts it (the engagement guard aside).
                if let text = options.segment, let segment = try? Segment.parse(text) {
                    do {
                        let chosen = try await CampaignAudience(segment: segment, guardCampaigns: 0)
                            .choose(from: result, database: database, campaign: nil, now: Date())
                        preview.segment = .init(text: text, rows: result.counts.rows, usable: result.counts.accepted, optedOut: result.counts.optedOut,
                                                outsideSegment: chosen.outsideSegment ?? 0, matching: chosen.result.accepted.count)
                    } catch let missing as CampaignAudience.MissingColumn {
                        let names = missing.columns.isEmpty ? (indonesian ? "tidak ada (daftar nomor saja)" : "none (a plain numbers list)") : missing.columns.joined(separator: ", ")
                        let field = checked.segmentRows[missing.column.lowercased()] ?? "segment"
                        let words = indonesian ? "daftar ini tidak punya kolom '\(missing.column)' (kolomnya: \(names))"
                            : "the list has no column '\(missing.column)' (its columns: \(names))"
                        preview.fields[field] = words
                        preview.problems.append("segment: \(words)")
                    }
                }
                let counts = result.counts
                preview.contacts = .init(
                    rows: counts.rows, valid: counts.accepted, refused: counts.invalid,
                    duplicates: counts.duplicates, optedOut: counts.optedOut, columns: columns,
                    refusals: result.rejected.prefix(20).map { .init(line: $0.line, input: $0.input, reason: $0.reason.rawValue, duplicateOf: $0.duplicateOf) })
            } catch {
                preview.contactsError = "\(error)"
            }
        }

        // Media: the media stage's preparer with the daemon's settings.
        if let upload = try mediaUpload(form) {
            let folder = (configuration.uploads as NSString).appendingPathComponent(upload.id)
            do {
                let prepared = try PreparedUpload.load(folder: folder, original: upload.path, configuration: configuration.media)
                preview.media = .init(upload: upload.id, original: prepared.original, prepared: prepared.prepared,
                                      url: "/api/uploads/\(upload.id)/prepared")
            } catch {
                preview.mediaError = "\(error)"
            }
        }

        // Messages: the render stage's template choice, check and renderer.
        let message = form.part("message")?.typed?
            .trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty.map { Data($0.utf8) }
        let template: MessageTemplate?
        do {
            template = try CampaignInputs.template(options: options, templates: configuration.templates, message: message)
        } catch {
            preview.problems.append("\(error)")
            return preview
        }
        guard let template else {
            preview.problems.append("a campaign needs a message: write one, or name a template in options")
            return preview
        }
        if let words = abTestVariantsProblem(options, template: template, indonesian: indonesian), preview.fields["ab_test"] == nil {
            preview.fields["ab_test"] = words
            preview.problems.append("ab_test: \(words)")
        }
        let hasMedia = preview.media != nil
        let renderer = MessageRenderer(configuration: configuration.message, columns: columns)
        let check = renderer.check(template, hasMedia: hasMedia, longestValues: longest)
        preview.problems += check.errors.map(\.description)
        preview.warnings = check.warnings
        if accepted.isEmpty && preview.contacts == nil {
            accepted = [(Self.samplePhone, [:])]
            preview.sample = true
        }
        let timeZone = TimeZone(identifier: configuration.timeZone) ?? .current
        for contact in accepted {
            do {
                let rendered = try renderer.render(template, for: RenderContext(
                    phone: contact.phone, variables: contact.variables, campaignId: "preview", campaignName: name,
                    date: Date(), timeZone: timeZone), hasMedia: hasMedia)
                preview.messages.append(.init(phone: contact.phone, variant: rendered.variantName, text: rendered.text,
                                              runs: CampaignPreview.Span.runs(rendered.text)))
            } catch {
                if !preview.problems.contains(error.description) { preview.problems.append(error.description) }
            }
        }
        return preview
    }

    /// `ab_test` sends the variants to a sample: one message alone cannot be tested.
    func abTestVariantsProblem(_ options: CampaignOptions, template: MessageTemplate, indonesian: Bool) -> String? {
        guard options.abTest != nil, template.variants.count < 2 else { return nil }
        return indonesian ? "uji A/B perlu paling sedikit dua varian: tambah versi lain pesan"
            : "an A/B test needs at least two variants: add another version of the message"
    }

    /// The contact list of the form as a file the reader can open: a staged upload, or the
    /// `numbers` part written to a private temporary folder (removed by the caller).
    func contactsFile(_ form: MultipartForm) throws -> (path: String, temporary: Bool)? {
        if let id = form.part("contactsUpload")?.text, !id.isEmpty {
            return (try stagedPath(id).path, false)
        }
        guard let part = form.part("numbers"), !part.data.isEmpty,
              !(part.text?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ?? false) else { return nil }
        let name = try UploadedFile.contactsName(filename: part.filename, data: part.data)
        let folder = (NSTemporaryDirectory() as NSString).appendingPathComponent("siaran-preview-\(RandomToken.make(bytes: 9))")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = (folder as NSString).appendingPathComponent(name)
        try part.data.write(to: URL(fileURLWithPath: path))
        return (path, true)
    }

    /// The form's picture as a staged upload (`mediaUpload`, or `media` staged now).
    func mediaUpload(_ form: MultipartForm) throws -> (id: String, path: String)? {
        if let id = form.part("mediaUpload")?.text, !id.isEmpty {
            let staged = try stagedPath(id)
            return (id, staged.path)
        }
        guard let media = form.part("media"), !media.data.isEmpty else { return nil }
        guard let kind = UploadedFile.imageKind(media.data) else {
            throw DashboardError(.badRequest, "\(media.filename ?? "media") is not a JPEG, PNG or WebP image")
        }
        let staged = try stage(media, as: "promo.\(kind.rawValue)", kind: "media")
        return (staged.id, staged.path)
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
