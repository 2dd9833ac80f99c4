import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Store

extension Dashboard {
    /// `GET /api/events`: Server-Sent Events. `campaign` events carry a campaign's summary when
    /// it changes, `session` events a session's state (and, for admins, its QR index and pairing
    /// code), `conversation` events each incoming text and each answer sent. `?campaign=ID` follows one campaign and ends with `event: end` when it finishes;
    /// `?duration=S` ends the stream after S seconds (browsers reconnect by themselves).
    func addEventRoutes(to router: Router<DashboardContext>) {
        router.get("/api/events") { request, context in
            let user = try context.require(.viewer)
            let only: String? = request.uri.queryParameters.get("campaign").map { String($0) }
            if let only {
                try SafeName.check(only, what: "campaign id")
                guard try await self.database.campaign(only) != nil else { throw DashboardError(.notFound, "no campaign '\(only)'") }
            }
            let duration = min(max(request.uri.queryParameters.get("duration", as: Double.self) ?? 300, 1), 3600)
            let stream = EventStream(dashboard: self, campaign: only, showSecrets: user.role == .admin, duration: duration)
            return Response(status: .ok, headers: [
                .contentType: "text/event-stream", .cacheControl: "no-store", HTTPField.Name("X-Accel-Buffering")!: "no",
            ], body: ResponseBody { writer in
                try await stream.run { text in try await writer.write(ByteBuffer(string: text)) }
                try await writer.finish(nil)
            })
        }
    }
}

/// Polls the database and the sessions and writes what changed as SSE frames. On PostgreSQL a
/// pass also runs as soon as any worker commits a change (`LISTEN/NOTIFY`), so a browser on this
/// worker sees progress that another worker sends without waiting for the next poll.
struct EventStream: Sendable {
    let dashboard: Dashboard
    let campaign: String?
    let showSecrets: Bool
    let duration: Double

    func run(write: (String) async throws -> Void) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(duration * 1000))
        var lastCampaigns: [String: CampaignSummary] = [:]
        var lastSessions: [String: Dashboard.PublicSession] = [:]
        var lastPing = ContinuousClock.now
        var eventID = 0
        // Conversations: a frame per incoming text and per answer sent, from now on.
        var lastConversationEvent = campaign == nil ? try await dashboard.database.lastEventID() : 0
        try await write("retry: 3000\n\n")
        // The first pass always runs: a client gets the current state even when a busy machine took
        // the whole duration to start the stream.
        var firstPass = true
        let changes = dashboard.database.changes()
        while firstPass || (ContinuousClock.now < deadline && !Task.isCancelled) {
            firstPass = false
            // Remembered before the pass reads: a change committed while it reads wakes the next one.
            let seen = changes?.current
            var frames: [String] = []
            let campaigns: [CampaignSummary]
            if let campaign {
                campaigns = try await dashboard.database.campaignSummary(campaign).map { [$0] } ?? []
            } else {
                campaigns = try await dashboard.database.campaignSummaries(limit: 50)
            }
            for summary in campaigns where lastCampaigns[summary.id] != summary {
                lastCampaigns[summary.id] = summary
                frames.append(try Self.frame("campaign", summary, id: &eventID))
            }
            if campaign == nil {
                for session in try await dashboard.sessionList(showSecrets: showSecrets) {
                    let previous = lastSessions[session.name]
                    if previous?.state != session.state || previous?.qrIndex != session.qrIndex || previous?.pairingCode != session.pairingCode
                        || previous?.phone != session.phone || previous?.notice != session.notice
                        || previous?.restrictedUntil != session.restrictedUntil || previous?.worker != session.worker {
                        lastSessions[session.name] = session
                        frames.append(try Self.frame("session", session, id: &eventID))
                    }
                }
            }
            if campaign == nil {
                for event in try await dashboard.database.events(after: lastConversationEvent, kinds: [.messageReceived, .messageAnswered]) {
                    lastConversationEvent = event.id
                    eventID += 1
                    let kind = event.kind == .messageReceived ? "received" : "answered"
                    // The event's own JSON (phone, text, session, campaign), tagged with what happened.
                    let payload = String(decoding: event.payload, as: UTF8.self)
                    let data = payload.hasPrefix("{") && payload.count > 2 ? "{\"event\":\"\(kind)\"," + payload.dropFirst() : "{\"event\":\"\(kind)\"}"
                    frames.append("id: \(eventID)\nevent: conversation\ndata: \(data)\n\n")
                }
            }
            if !frames.isEmpty {
                try await write(frames.joined())
                lastPing = .now
            } else if ContinuousClock.now - lastPing > .seconds(15) {
                try await write(": keepalive\n\n")
                lastPing = .now
            }
            if let campaign, let summary = lastCampaigns[campaign], ["done", "cancelled", "failed"].contains(summary.state) {
                try await write("event: end\ndata: {\"campaign\":\"\(campaign)\",\"state\":\"\(summary.state)\"}\n\n")
                return
            }
            let interval = dashboard.configuration.eventInterval
            if let changes, let seen {
                // Commits wake the stream; a campaign's own stream depends on nothing else, the
                // general one also shows sessions, which this worker's memory holds (polled).
                let fallback = campaign == nil ? interval : interval * 10
                let remaining = ContinuousClock.now.duration(to: deadline)
                _ = try await changes.wait(after: seen, atMost: max(.zero, min(fallback, remaining)))
            } else {
                try await Task.sleep(for: interval)
            }
        }
    }

    static func frame(_ event: String, _ value: some Encodable, id: inout Int) throws -> String {
        id += 1
        let json = String(decoding: try JSONResponse.encoder.encode(value), as: UTF8.self)
        return "id: \(id)\nevent: \(event)\ndata: \(json)\n\n"
    }
}
