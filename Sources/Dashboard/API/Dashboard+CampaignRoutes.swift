import Foundation
import Hummingbird
import Store

extension Dashboard {
    struct CampaignDetail: Codable, Sendable {
        var campaign: CampaignSummary
        var stages: [String]
        var recentMessages: [MessageSummary]
        var reports: [ReportFile]
        var controls: [String]
        /// The campaign's folder in `outbox/` (named after its drop).
        var folder: String
    }

    struct CampaignAction: Codable, Sendable {
        var id: String
        /// For `/api/campaign/pause`: `pause` (default), `resume` or `cancel`.
        var action: String?
    }

    static let stageOrder = CampaignStage.allCases.map(\.rawValue)

    func addCampaignRoutes(to router: Router<DashboardContext>) {
        router.get("/api/campaigns") { _, context in
            try context.require(.viewer)
            return try JSONResponse.make(try await self.database.campaignSummaries())
        }
        router.get("/api/campaigns/:id") { _, context in
            try context.require(.viewer)
            let id = try context.parameters.require("id")
            return try JSONResponse.make(try await self.campaignDetail(id))
        }
        router.get("/api/campaigns/:id/messages") { request, context in
            try context.require(.viewer)
            let id = try context.parameters.require("id")
            guard try await self.database.campaign(id) != nil else { throw DashboardError(.notFound, "no campaign '\(id)'") }
            let limit = min(max(request.uri.queryParameters.get("limit", as: Int.self) ?? 50, 1), 1000)
            return try JSONResponse.make(try await self.database.recentMessageSummaries(of: id, limit: limit))
        }
        // Start: approves a campaign waiting for approval, or resumes a paused one.
        router.post("/api/campaign/start") { request, context in
            let user = try context.require(.operator)
            let body = try await JSONResponse.decode(CampaignAction.self, from: request)
            let message = try await self.control(body.id, action: "start")
            try await self.audit.record(user.username, "campaign.start", target: body.id)
            return try JSONResponse.make(ActionResult(message: message))
        }
        router.post("/api/campaign/pause") { request, context in
            let user = try context.require(.operator)
            let body = try await JSONResponse.decode(CampaignAction.self, from: request)
            let action = body.action ?? "pause"
            guard ["pause", "resume", "cancel"].contains(action) else {
                throw DashboardError(.badRequest, "action must be pause, resume or cancel, not '\(action)'")
            }
            let message = try await self.control(body.id, action: action)
            try await self.audit.record(user.username, "campaign.\(action)", target: body.id)
            return try JSONResponse.make(ActionResult(message: message))
        }
    }

    func campaignDetail(_ id: String) async throws -> CampaignDetail {
        guard let summary = try await database.campaignSummary(id) else { throw DashboardError(.notFound, "no campaign '\(id)'") }
        let stages = try await database.completedStages(of: id)
        let folder = try await campaignFolder(id)
        let controls = ["PAUSE", "CANCEL", "APPROVE"].filter {
            FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent($0))
        }
        return CampaignDetail(campaign: summary, stages: CampaignStage.allCases.filter(stages.contains).map(\.rawValue),
                              recentMessages: try await database.recentMessageSummaries(of: id, limit: 20),
                              reports: try await reportFiles(of: id), controls: controls, folder: (folder as NSString).lastPathComponent)
    }

    /// The control files the CLI and staff use (`PAUSE`, `CANCEL`, `APPROVE` in
    /// `outbox/<campaign>/`); the pipeline acts on them before its next message.
    func control(_ id: String, action: String) async throws -> String {
        let folder = try await campaignFolder(id)
        guard let campaign = try await database.campaign(id) else { throw DashboardError(.notFound, "no campaign '\(id)'") }
        guard campaign.state.isOpen else { throw DashboardError(.conflict, "campaign \(id) is already \(campaign.state.rawValue)") }
        let fm = FileManager.default
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        switch action {
        case "pause":
            try Data().write(to: URL(fileURLWithPath: path("PAUSE")))
            return "pause recorded for \(id); it applies before the next message"
        case "resume":
            try? fm.removeItem(atPath: path("PAUSE"))
            return "resume recorded for \(id)"
        case "cancel":
            try Data().write(to: URL(fileURLWithPath: path("CANCEL")))
            return "cancel recorded for \(id); nothing more is sent and a partial report is written"
        default:
            try? fm.removeItem(atPath: path("PAUSE"))
            if campaign.state == .waitingApproval || !fm.fileExists(atPath: path("APPROVE")) {
                try Data().write(to: URL(fileURLWithPath: path("APPROVE")))
            }
            return campaign.state == .waitingApproval ? "approved \(id); it is scheduled now" : "start recorded for \(id)"
        }
    }
}
