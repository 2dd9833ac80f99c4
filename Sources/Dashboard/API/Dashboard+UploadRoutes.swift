import Foundation
import Hummingbird
import NIOCore
import Pipeline
import Templates

extension Dashboard {
    struct UploadResult: Codable, Sendable {
        var id: String
        var kind: String
        var filename: String
        var bytes: Int
        /// Contacts: entries found (lines that are not blank or comments).
        var entries: Int?
        /// Media: `jpg`, `png` or `webp`.
        var format: String?
    }

    /// What `POST /api/segment/preview` answers: the segment text the form makes, how many of the
    /// list match, and refused rows beside their fields.
    struct SegmentPreview: Codable, Sendable {
        var segment: String?
        var count: CampaignPreview.SegmentCount?
        var fields: [String: String]
        var contactsError: String?
    }

    struct CreateResult: Codable, Sendable {
        var ok = true
        var drop: String
        var files: [String]
        var message: String
    }

    func addUploadRoutes(to router: Router<DashboardContext>) {
        router.post("/api/contacts/upload") { request, context in
            let user = try context.require(.operator)
            let form = try await self.multipart(request)
            guard let part = form.part("file") ?? form.part("numbers"), !part.data.isEmpty else {
                throw DashboardError(.badRequest, "send the contacts list in the field 'file'")
            }
            let name = try UploadedFile.contactsName(filename: part.filename, data: part.data)
            let result = try self.stage(part, as: name, kind: "contacts")
            try await self.audit.record(user.username, "contacts.upload", target: result.id, detail: "\(part.data.count) bytes")
            return try JSONResponse.make(UploadResult(id: result.id, kind: "contacts", filename: name, bytes: part.data.count,
                                                      entries: UploadedFile.entryCount(part.data)), status: .created)
        }
        router.post("/api/media/upload") { request, context in
            let user = try context.require(.operator)
            let form = try await self.multipart(request)
            guard let part = form.part("file") ?? form.part("media"), !part.data.isEmpty else {
                throw DashboardError(.badRequest, "send the image in the field 'file'")
            }
            guard let kind = UploadedFile.imageKind(part.data) else {
                throw DashboardError(.badRequest, "\(part.filename ?? "the file") is not a JPEG, PNG or WebP image")
            }
            let result = try self.stage(part, as: "promo.\(kind.rawValue)", kind: "media")
            try await self.audit.record(user.username, "media.upload", target: result.id, detail: "\(part.data.count) bytes")
            return try JSONResponse.make(UploadResult(id: result.id, kind: "media", filename: "promo.\(kind.rawValue)",
                                                      bytes: part.data.count, format: kind.rawValue), status: .created)
        }
        router.get("/api/uploads/:id") { _, context in
            try context.require(.operator)
            let (name, data) = try self.staged(try context.parameters.require("id"))
            let type = UploadedFile.imageKind(data).map { "image/\($0 == .jpg ? "jpeg" : $0.rawValue)" } ?? "text/plain; charset=utf-8"
            return Response(status: .ok, headers: [.contentType: type, .contentDisposition: "inline; filename=\"\(name)\""],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.get("/api/uploads/:id/prepared") { _, context in
            try context.require(.operator)
            let id = try context.parameters.require("id")
            let original = try self.stagedPath(id)
            guard UploadedFile.imageKind(FileManager.default.contents(atPath: original.path) ?? Data()) != nil else {
                throw DashboardError(.notFound, "upload \(id) is not a picture")
            }
            let folder = (self.configuration.uploads as NSString).appendingPathComponent(id)
            let prepared: PreparedUpload
            do {
                prepared = try PreparedUpload.load(folder: folder, original: original.path, configuration: self.configuration.media)
            } catch {
                throw DashboardError(.badRequest, "\(error)")
            }
            guard let data = FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent(prepared.file)) else {
                throw DashboardError(.notFound, "the prepared picture of \(id) is gone")
            }
            return Response(status: .ok, headers: [.contentType: prepared.mimeType, .contentDisposition: "inline; filename=\"\(prepared.file)\""],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        // The campaign as the pipeline would prepare it: counts, refusals, rendered messages, prepared picture.
        router.post("/api/campaign/preview") { request, context in
            try context.require(.operator)
            let form = try await self.multipart(request)
            return try JSONResponse.make(try await self.preview(form, indonesian: Self.prefersIndonesian(request)))
        }
        // The segment of the form (builder rows or Advanced `segment:`) counted over its list.
        router.post("/api/segment/preview") { request, context in
            try context.require(.operator)
            let form = try await self.multipart(request)
            let preview = try await self.preview(form, indonesian: Self.prefersIndonesian(request))
            return try JSONResponse.make(SegmentPreview(segment: preview.segment?.text ?? CampaignForm(form, timeZone: self.configuration.timeZone, indonesian: false).options.segment,
                                                        count: preview.segment,
                                                        fields: preview.fields.filter { $0.key == "segment" || $0.key.hasPrefix("segment-") },
                                                        contactsError: preview.contactsError))
        }
        router.post("/api/campaign/create") { request, context in
            let user = try context.require(.operator)
            let form = try await self.multipart(request)
            let (name, files) = try self.dropFiles(form, indonesian: Self.prefersIndonesian(request))
            let folder = try DropWriter(inbox: self.configuration.inbox).write(name: name, files: files)
            try await self.audit.record(user.username, "campaign.create", target: folder, detail: files.keys.sorted().joined(separator: ", "))
            self.logger.info("dashboard: \(user.username) dropped \(folder) into inbox/")
            return try JSONResponse.make(CreateResult(drop: folder, files: files.keys.sorted(),
                                                      message: "dropped into inbox/\(folder); the pipeline takes it after the quiet period"),
                                         status: .created)
        }
    }

    /// Field errors in the page's language: the `lang` cookie the language toggle sets.
    static func prefersIndonesian(_ request: Request) -> Bool { request.cookies["lang"]?.value == "id" }

    /// The files of a new drop from the form: `numbers` (file or text, or `contactsUpload` id),
    /// `message` (file or text), optional `media` (or `mediaUpload` id), and the options — the
    /// form's fields and its Advanced `campaign.yaml` text (`CampaignForm`), checked here by the
    /// pipeline's validator so mistakes come back at once, each beside its field (`fields`).
    func dropFiles(_ form: MultipartForm, indonesian: Bool = false) throws -> (String, [String: Data]) {
        var files: [String: Data] = [:]
        if let id = form.part("contactsUpload")?.text, !id.isEmpty {
            let (name, data) = try staged(id)
            files[name] = data
        } else if let part = form.part("numbers"), !part.data.isEmpty {
            files[try UploadedFile.contactsName(filename: part.filename, data: part.data)] = part.data
        }
        guard !files.isEmpty else { throw DashboardError(.badRequest, "a campaign needs numbers: send 'numbers' (a file or text)") }
        let options = CampaignForm(form, timeZone: configuration.timeZone, indonesian: indonesian)
        guard options.problems.isEmpty else {
            throw DashboardError(.badRequest, options.summary, fields: options.problems)
        }
        if options.options.abTest != nil,
           let template = try? CampaignInputs.template(options: options.options, templates: configuration.templates,
                                                       message: form.part("message")?.typed.map { Data($0.utf8) }),
           let words = abTestVariantsProblem(options.options, template: template, indonesian: indonesian) {
            throw DashboardError(.badRequest, "ab_test: \(words)", fields: ["ab_test": words])
        }
        if !options.isEmpty { files["campaign.yaml"] = Data(options.options.yaml(timeZone: timeZone).utf8) }
        if options.options.variants == nil, let message = form.part("message"), let text = message.typed,
           !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            guard message.data.count <= 64 * 1024 else { throw DashboardError(.tooLarge, "the message is longer than 64 KiB") }
            files["message.txt"] = Data(text.utf8)
        } else if options.options.template == nil && options.options.variants == nil {
            throw DashboardError(.badRequest, "a campaign needs a message: send 'message' (text), or a template in options")
        }
        if let id = form.part("mediaUpload")?.text, !id.isEmpty {
            let (name, data) = try staged(id)
            guard UploadedFile.imageKind(data) != nil else { throw DashboardError(.badRequest, "upload \(id) is not an image") }
            files[name] = data
        } else if let media = form.part("media"), !media.data.isEmpty {
            guard let kind = UploadedFile.imageKind(media.data) else {
                throw DashboardError(.badRequest, "\(media.filename ?? "media") is not a JPEG, PNG or WebP image")
            }
            files["promo.\(kind.rawValue)"] = media.data
        }
        // The drop's folder (and so the campaign's outbox folder) is named after the campaign.
        return (options.options.name ?? "campaign", files)
    }

    /// Reads a multipart body within the size limits.
    func multipart(_ request: Request) async throws -> MultipartForm {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: configuration.maxRequestBytes)
        } catch {
            throw DashboardError(.tooLarge, "the upload is larger than \(configuration.maxRequestBytes / 1_048_576) MiB")
        }
        let form = try MultipartForm(contentType: request.headers[.contentType] ?? "", body: Data(buffer: buffer))
        for part in form.parts where part.data.count > configuration.maxFileBytes {
            throw DashboardError(.tooLarge, "\(part.filename ?? part.name) is larger than \(configuration.maxFileBytes / 1_048_576) MiB")
        }
        return form
    }

    /// Keeps an upload in `uploads/<id>/<name>` until a campaign uses it.
    func stage(_ part: MultipartForm.Part, as name: String, kind: String) throws -> (id: String, path: String) {
        let id = "\(kind)-\(RandomToken.make(bytes: 12))"
        let folder = (configuration.uploads as NSString).appendingPathComponent(id)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = (folder as NSString).appendingPathComponent(name)
        try part.data.write(to: URL(fileURLWithPath: path), options: .atomic)
        return (id, path)
    }

    func staged(_ id: String) throws -> (String, Data) {
        let (name, path) = try stagedPath(id)
        guard let data = FileManager.default.contents(atPath: path) else { throw DashboardError(.notFound, "no upload '\(id)'") }
        return (name, data)
    }

    /// The uploaded file's name and path (not the prepared picture the preview keeps beside it).
    func stagedPath(_ id: String) throws -> (name: String, path: String) {
        try SafeName.check(id, what: "upload id")
        let folder = (configuration.uploads as NSString).appendingPathComponent(id)
        guard let name = (try? FileManager.default.contentsOfDirectory(atPath: folder))?
            .first(where: { !$0.hasPrefix(".") && !$0.hasPrefix(PreparedUpload.prefix) }) else {
            throw DashboardError(.notFound, "no upload '\(id)'")
        }
        return (name, (folder as NSString).appendingPathComponent(name))
    }
}
