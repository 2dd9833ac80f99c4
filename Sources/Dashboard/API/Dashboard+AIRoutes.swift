import AIWriting
import Contacts
import Foundation
import Hummingbird
import Templates

/// "Write with AI" and "Improve": the model drafts, Siaran's checker lets only passing texts
/// through, the page shows them through the campaign preview (with the picture), and the
/// operator edits, picks or discards. Nothing is saved or sent here; every use is audited.
extension Dashboard {
    struct AIVariant: Codable, Sendable {
        var text: String
        /// The text as the first recipient gets it (variables filled in, opt-out line added).
        var rendered: CampaignPreview.Message?
        var problems: [String]
        var warnings: [String]
    }

    struct AIWriteResult: Codable, Sendable {
        var model: String
        var variants: [AIVariant]
        /// Variants dropped or cut, and why.
        var notes: [String]
        /// `variants` as one message file, separated by `---` lines (Siaran's A/B format).
        var message: String
        var media: CampaignPreview.Media?
    }

    struct AIDiffLine: Codable, Sendable {
        /// `same`, `removed` or `added`.
        var kind: String
        var text: String
    }

    struct AIImproveResult: Codable, Sendable {
        struct Variant: Codable, Sendable {
            var before: String
            var after: String
            var changes: [String]
            var improved: Bool
        }

        var model: String
        /// The improved message (front matter kept), ready to replace the editor's text.
        var text: String
        var diff: [AIDiffLine]
        var variants: [Variant]
        var notes: [String]
        var preview: AIVariant
        var media: CampaignPreview.Media?
    }

    func addAIRoutes(to router: Router<DashboardContext>) {
        router.post("/api/ai/write") { request, context in
            let user = try context.require(.operator)
            let writer = try self.requireWriter()
            let form = try await self.multipart(request)
            guard let prompt = form.part("prompt")?.typed?.trimmingCharacters(in: .whitespacesAndNewlines), !prompt.isEmpty else {
                throw DashboardError(.badRequest, "describe the message to write (prompt)")
            }
            guard prompt.count <= 2000 else { throw DashboardError(.tooLarge, "the request is at most 2,000 characters") }
            let count = min(max(Int(form.part("variants")?.text ?? "") ?? 3, 1), 5)
            let language = PromptLibrary.Language(rawValue: form.part("language")?.text ?? "") ?? .indonesian
            let tone = MessageWriter.Tone(rawValue: form.part("tone")?.text ?? "") ?? .santai
            let audience = try await self.audience(form)
            let draft: MessageWriter.Draft
            do {
                draft = try await writer.write(prompt: prompt, count: count, language: language, tone: tone, audience: audience)
            } catch let error as AIError {
                try await self.audit.record(user.username, "ai.write", target: writer.model.summary,
                                            detail: Self.auditDetail(prompt: prompt, outcome: "failed: \(error.english)"))
                throw Self.refusal(error, request: request)
            }
            try await self.audit.record(user.username, "ai.write", target: draft.model, detail: Self.auditDetail(
                prompt: prompt, outcome: "\(draft.variants.count) of \(count) variants shown" + (draft.notes.isEmpty ? "" : ", \(draft.notes.count) notes")))
            var variants: [AIVariant] = []
            var media: CampaignPreview.Media?
            for text in draft.variants {
                let preview = try await self.preview(form.replacing("message", with: text).replacing("options", with: ""))
                media = media ?? preview.media
                variants.append(AIVariant(text: text, rendered: preview.messages.first, problems: preview.problems, warnings: preview.warnings))
            }
            return try JSONResponse.make(AIWriteResult(model: draft.model, variants: variants, notes: draft.notes.map(\.description),
                                                       message: draft.fileText, media: media))
        }
        router.post("/api/ai/improve") { request, context in
            let user = try context.require(.operator)
            let writer = try self.requireWriter()
            let form = try await self.multipart(request)
            guard let text = form.part("message")?.typed, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw DashboardError(.badRequest, "write the message to improve first")
            }
            guard text.utf8.count <= 64 * 1024 else { throw DashboardError(.tooLarge, "a message is at most 64 KiB") }
            guard let goal = MessageWriter.Goal(rawValue: form.part("goal")?.text ?? "") else {
                throw DashboardError(.badRequest, "goal must be one of \(MessageWriter.Goal.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let language = PromptLibrary.Language(rawValue: form.part("language")?.text ?? "") ?? .indonesian
            let audience = try await self.audience(form)
            let improvement: MessageWriter.Improvement
            do {
                improvement = try await writer.improve(text, file: "message", goal: goal, language: language, audience: audience)
            } catch let error as TemplateError {
                throw DashboardError(.badRequest, error.description, line: error.line > 0 ? error.line : nil, column: error.column > 0 ? error.column : nil)
            } catch let error as AIError {
                try await self.audit.record(user.username, "ai.improve", target: writer.model.summary,
                                            detail: "goal \(goal.rawValue); \(text.utf8.count) bytes; failed: \(error.english)")
                throw Self.refusal(error, request: request)
            }
            let improved = improvement.variants.filter(\.improved).count
            try await self.audit.record(user.username, "ai.improve", target: improvement.model,
                                        detail: "goal \(goal.rawValue); \(text.utf8.count) bytes; \(improved) of \(improvement.variants.count) variants improved")
            let preview = try await self.preview(form.replacing("message", with: improvement.text).replacing("options", with: ""))
            return try JSONResponse.make(AIImproveResult(
                model: improvement.model, text: improvement.text,
                diff: improvement.diff.map { AIDiffLine(kind: $0.kind.rawValue, text: $0.text) },
                variants: improvement.variants.map { .init(before: $0.before, after: $0.after, changes: $0.changes, improved: $0.improved) },
                notes: improvement.notes.map(\.description),
                preview: AIVariant(text: improvement.text, rendered: preview.messages.first, problems: preview.problems, warnings: preview.warnings),
                media: preview.media))
        }
    }

    func requireWriter() throws -> MessageWriter {
        guard let writer else {
            throw DashboardError(.notFound, "AI writing is not configured: add an ai: section to pipeline.yaml (see docs/operator-guide.md)")
        }
        return writer
    }

    /// The columns and longest values of the form's contact list, and whether a picture goes with
    /// the message, so drafts are checked for the campaign they are written for.
    func audience(_ form: MultipartForm) async throws -> MessageWriter.Audience {
        var audience = MessageWriter.Audience()
        if let file = try contactsFile(form) {
            defer { if file.temporary { try? FileManager.default.removeItem(atPath: (file.path as NSString).deletingLastPathComponent) } }
            if let result = try? ContactListReader(file: file.path, configuration: configuration.contacts).check() {
                audience.columns = result.header.variableNames
                for contact in result.accepted {
                    for (key, value) in zip(audience.columns, contact.variables) {
                        audience.longestValues[key] = max(audience.longestValues[key] ?? 0, value.utf16.count)
                    }
                }
            }
        }
        audience.hasMedia = try mediaUpload(form) != nil
        return audience
    }

    /// What the audit log keeps of a request: the prompt (cut at 500 characters) and the outcome;
    /// never the key, which no part of the dashboard holds.
    static func auditDetail(prompt: String, outcome: String) -> String {
        let oneLine = prompt.replacingOccurrences(of: "\n", with: " ")
        return "prompt \"\(oneLine.count > 500 ? String(oneLine.prefix(500)) + "…" : oneLine)\"; \(outcome)"
    }

    /// The model's failure in the page's language, as a 503 the page shows.
    static func refusal(_ error: AIError, request: Request) -> DashboardError {
        let indonesian = request.cookies["lang"]?.value == "id"
        return DashboardError(.unavailable, indonesian ? error.indonesian : error.english)
    }
}
