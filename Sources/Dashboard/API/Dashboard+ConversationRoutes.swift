import AIWriting
import Foundation
import Hummingbird
import Pipeline
import Store

extension Dashboard {
    struct ConversationList: Codable, Sendable {
        var conversations: [ConversationSummary]
        /// Texts not yet seen, over every listed conversation.
        var unread: Int
    }

    struct NewConversationAnswer: Codable, Sendable {
        var text: String
        /// The linked number to answer from; by default the one that last wrote to the contact.
        var session: String?
        /// The one answer an opted-out number may get: the confirmation of its opt-out.
        var confirmOptOut: Bool?
        /// A picture uploaded with `POST /api/media/upload` (its id); the text becomes its caption.
        var media: String?
    }

    struct AnswerOutcome: Codable, Sendable {
        var ok: Bool
        var id: String
        /// `queued` (the daemon sends it when the session can), `sent`, `delivered`, `read` or `failed`.
        var state: String
        var session: String
        var reason: String?
    }

    struct ConversationAssignment: Codable, Sendable {
        /// A dashboard user, or null to unassign.
        var user: String?
    }

    struct SuggestedAnswerJSON: Codable, Sendable {
        /// The draft for the answer box; sent only if a person sends it.
        var text: String
        var model: String
    }

    struct ConversationDone: Codable, Sendable {
        var done: Bool
    }

    /// The inbox: conversations with the business (campaign replies and other texts), answering
    /// them (operators and admins), marking them done and assigning them; each action audited.
    func addConversationRoutes(to router: Router<DashboardContext>) {
        router.get("/api/conversations") { request, context in
            let user = try context.require(.viewer)
            let query = request.uri.queryParameters
            var filter = ConversationFilter(unansweredOnly: query.get("unanswered").map { $0 == "1" || $0 == "true" } ?? false)
            if let campaign = query.get("campaign"), !campaign.isEmpty { filter.campaign = String(campaign) }
            if let session = query.get("session"), !session.isEmpty { filter.session = String(session) }
            if let mine = query.get("mine"), mine == "1" || mine == "true" { filter.assignedTo = user.username }
            if let search = query.get("q"), !search.isEmpty { filter.search = String(search.prefix(60)) }
            let limit = min(max(query.get("limit", as: Int.self) ?? 100, 1), 500)
            let list = try await self.database.conversations(filter, limit: limit)
            return try JSONResponse.make(ConversationList(conversations: list, unread: list.reduce(0) { $0 + $1.unread }))
        }
        router.get("/api/conversations/:phone") { _, context in
            let user = try context.require(.viewer)
            let phone = try self.lookupNumber(try context.parameters.require("phone"))
            guard let conversation = try await self.database.conversation(phone: phone) else {
                throw DashboardError(.notFound, "\(phone) has not written to us")
            }
            // Opening it is reading it (viewers too: they read, they just cannot answer).
            try await self.database.markConversationSeen(phone: phone)
            _ = user
            return try JSONResponse.make(conversation)
        }
        router.post("/api/conversations/:phone/answer") { request, context in
            let user = try context.require(.operator)
            let phone = try self.lookupNumber(try context.parameters.require("phone"))
            let body = try await JSONResponse.decode(NewConversationAnswer.self, from: request)
            let text = body.text.trimmingCharacters(in: .whitespacesAndNewlines)
            let picture = try body.media.flatMap { $0.isEmpty ? nil : $0 }.map { try self.answerPicture(upload: $0) }
            guard !text.isEmpty || picture != nil else { throw DashboardError(.badRequest, "the answer is empty") }
            guard text.count <= 4096 else { throw DashboardError(.badRequest, "the answer is longer than WhatsApp's 4096 characters") }
            if picture != nil, text.utf16.count > self.configuration.message.maxCaptionLength {
                throw DashboardError(.badRequest, "a picture's caption is at most \(self.configuration.message.maxCaptionLength) characters")
            }
            let chosen: String?
            if let session = body.session, !session.isEmpty { chosen = session } else { chosen = try await self.database.conversationSession(phone: phone) }
            guard let session = chosen ?? self.configuration.sessionNames.first else {
                throw DashboardError(.conflict, "\(phone) is unknown (it never wrote to us nor got a campaign message)")
            }
            let answer = NewAnswer(id: MessageID.generate(), phone: phone, session: session, text: text, mediaPath: picture, author: user.username,
                                   confirmsOptOut: body.confirmOptOut ?? false)
            if let refusal = try await self.database.beginAnswer(answer) {
                try await self.audit.record(user.username, "conversation.answer.refused", target: phone, detail: refusal.rawValue)
                throw DashboardError(.conflict, Self.refusalWords(refusal.rawValue, phone: phone))
            }
            try await self.audit.record(user.username, "conversation.answer", target: phone, detail: "\(answer.id) via \(session)\(picture == nil ? "" : " with a picture")")
            // The daemon sends it within a second when the session is linked; answer with what happened
            // by then (`?wait=S`, 10 s by default; 0 answers at once with `queued`).
            let wait = min(max(request.uri.queryParameters.get("wait", as: Double.self) ?? 10, 0), 30)
            var status = (state: "queued", reason: String?.none)
            for _ in 0..<Int(wait * 4) {
                if let now = try await self.database.answerStatus(answer.id) {
                    status = now
                    if now.state != "queued" && now.state != "sending" { break }
                }
                try await Task.sleep(for: .milliseconds(250))
            }
            let outcome = AnswerOutcome(ok: status.state != "failed", id: answer.id, state: status.state, session: session,
                                        reason: status.reason.map { Self.refusalWords($0, phone: phone) })
            return try JSONResponse.make(outcome, status: status.state == "failed" ? .conflict : (status.state == "queued" ? .accepted : .ok))
        }
        // A draft from the AI provider for the operator to edit in the answer box; nothing is sent here.
        router.post("/api/conversations/:phone/suggest") { request, context in
            let user = try context.require(.operator)
            let writer = try self.requireWriter()
            let phone = try self.lookupNumber(try context.parameters.require("phone"))
            guard let conversation = try await self.database.conversation(phone: phone) else {
                throw DashboardError(.notFound, "\(phone) has not written to us")
            }
            let lines = conversation.entries.filter { !$0.text.isEmpty }.map { MessageWriter.ConversationLine(fromBusiness: $0.kind != .incoming, text: $0.text) }
            let language: PromptLibrary.Language = request.uri.queryParameters.get("lang") == "en" ? .english : .indonesian
            let suggestion: MessageWriter.SuggestedAnswer
            do {
                suggestion = try await writer.suggestAnswer(to: lines, language: language)
            } catch let error as AIError {
                try await self.audit.record(user.username, "conversation.suggest", target: phone, detail: "failed: \(error.english)")
                throw Self.refusal(error, request: request)
            }
            try await self.audit.record(user.username, "conversation.suggest", target: phone, detail: suggestion.model)
            return try JSONResponse.make(SuggestedAnswerJSON(text: suggestion.text, model: suggestion.model))
        }
        router.post("/api/conversations/:phone/done") { request, context in
            let user = try context.require(.operator)
            let phone = try self.lookupNumber(try context.parameters.require("phone"))
            let body = try await JSONResponse.decode(ConversationDone.self, from: request)
            guard try await self.database.conversation(phone: phone) != nil else { throw DashboardError(.notFound, "\(phone) has not written to us") }
            try await self.database.setConversationDone(phone: phone, body.done)
            try await self.audit.record(user.username, body.done ? "conversation.done" : "conversation.reopen", target: phone)
            return try JSONResponse.make(ActionResult(message: body.done ? "\(phone) is done" : "\(phone) is open again"))
        }
        router.post("/api/conversations/:phone/assign") { request, context in
            let user = try context.require(.operator)
            let phone = try self.lookupNumber(try context.parameters.require("phone"))
            let body = try await JSONResponse.decode(ConversationAssignment.self, from: request)
            guard try await self.database.conversation(phone: phone) != nil else { throw DashboardError(.notFound, "\(phone) has not written to us") }
            let assignee = body.user?.trimmingCharacters(in: .whitespaces).nilIfEmpty
            if let assignee, try await self.database.users().contains(where: { $0.username == assignee }) == false {
                throw DashboardError(.badRequest, "no dashboard user '\(assignee.prefix(40))'")
            }
            try await self.database.assignConversation(phone: phone, to: assignee)
            try await self.audit.record(user.username, "conversation.assign", target: phone, detail: assignee ?? "nobody")
            return try JSONResponse.make(ActionResult(message: assignee.map { "\(phone) is assigned to \($0)" } ?? "\(phone) is assigned to nobody"))
        }
    }

    /// An uploaded picture kept for an answer: copied out of the uploads (which are cleaned up)
    /// into `state/answer-media/`, so the answer sender finds it and the conversation keeps it.
    func answerPicture(upload id: String) throws -> String {
        let (name, path) = try stagedPath(id)
        guard id.hasPrefix("media-") else { throw DashboardError(.badRequest, "upload '\(id)' is not a picture; upload it with /api/media/upload") }
        let folder = ((configuration.uploads as NSString).deletingLastPathComponent as NSString).appendingPathComponent("answer-media")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let kept = (folder as NSString).appendingPathComponent("\(id)-\(name)")
        if !FileManager.default.fileExists(atPath: kept) { try FileManager.default.copyItem(atPath: path, toPath: kept) }
        return kept
    }

    static func refusalWords(_ reason: String, phone: String) -> String {
        switch reason {
        case AnswerRefusal.optedOut.rawValue: "\(phone) opted out; only a confirmation of the opt-out may be sent"
        case AnswerRefusal.optOutAlreadyConfirmed.rawValue: "\(phone) opted out and its confirmation was already sent"
        case AnswerRefusal.unknownNumber.rawValue: "\(phone) is unknown (it never wrote to us nor got a campaign message)"
        case "hourly-cap": "the session reached its hourly cap; try later or answer from another number"
        case "daily-cap": "the session reached its daily cap; answer from another number"
        default: reason
        }
    }
}
