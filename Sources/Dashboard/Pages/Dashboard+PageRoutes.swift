import Foundation
import Hummingbird
import NIOCore

extension Dashboard {
    func addPageRoutes(to router: Router<DashboardContext>) {
        router.get("/assets/app.css") { _, _ in Self.asset(Stylesheet.css, type: "text/css; charset=utf-8") }
        router.get("/assets/app.js") { _, _ in Self.asset(Script.js + InboxScript.js, type: "text/javascript; charset=utf-8") }
        router.get("/login") { request, context in
            if context.user != nil { return Response(status: .seeOther, headers: [.location: "/"]) }
            return self.loginPage(request)
        }
        router.get("/") { request, context in
            try await self.page(request, context, .viewer) { layout in try await self.overviewPage(layout) }
        }
        router.get("/campaigns") { request, context in
            try await self.page(request, context, .viewer) { layout in try await self.campaignsPage(layout) }
        }
        router.get("/campaigns/new") { request, context in
            try await self.page(request, context, .operator) { layout in await self.newCampaignPage(layout, request: request) }
        }
        router.get("/campaigns/:id") { request, context in
            let id = try context.parameters.require("id")
            return try await self.page(request, context, .viewer) { layout in try await self.campaignPage(layout, id: id) }
        }
        router.get("/conversations") { request, context in
            try await self.page(request, context, .viewer) { layout in try await self.inboxPage(layout, request: request) }
        }
        router.get("/contacts") { request, context in
            try await self.page(request, context, .viewer) { layout in try await self.contactsPage(layout, request: request) }
        }
        router.get("/templates") { request, context in
            try await self.page(request, context, .viewer) { layout in self.templatesPage(layout, request: request) }
        }
        router.get("/reports") { request, context in
            try await self.page(request, context, .viewer) { layout in try await self.reportsPage(layout) }
        }
        router.get("/sessions") { request, context in
            try await self.page(request, context, .viewer) { layout in try await self.sessionsPage(layout) }
        }
        router.get("/autoreply") { request, context in
            try await self.page(request, context, .admin) { layout in self.autoReplyPage(layout) }
        }
        router.get("/users") { request, context in
            try await self.page(request, context, .admin) { layout in try await self.usersPage(layout) }
        }
    }

    static func asset(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=300"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A page for a logged-in user with at least `role`: otherwise the login page (no login)
    /// or a plain 403 page.
    func page(_ request: Request, _ context: DashboardContext, _ role: Role,
              _ body: (PageLayout) async throws -> Response) async throws -> Response {
        guard let user = context.user else { return Response(status: .seeOther, headers: [.location: "/login"]) }
        let layout = PageLayout(request: request, user: user)
        guard user.role.allows(role) else {
            var response = layout.render(title: "403", body: "<div class=\"card\"><h1>403</h1><p>\(layout.t("role." + role.rawValue))</p></div>")
            response.status = .forbidden
            return response
        }
        do {
            return try await body(layout)
        } catch let error as DashboardError where error.code == .notFound || error.code == .badRequest {
            var response = layout.render(title: layout.language("notfound"),
                                         body: "<div class=\"card\"><h1>\(layout.t("notfound"))</h1><p class=\"muted\">\(HTML.escape(error.message))</p></div>")
            response.status = error.status
            return response
        }
    }

    func loginPage(_ request: Request) -> Response {
        let layout = PageLayout(request: request, user: nil)
        let csrf = RandomToken.make(bytes: 18)
        let error = request.uri.queryParameters.get("error").map { $0 == "locked" ? layout.t("login.locked") : layout.t("login.wrong") } ?? ""
        var response = layout.render(title: layout.language("login.title"), body: """
            <main class="login"><form class="card" method="post" action="/login">
            <div class="brand"><span class="dot" aria-hidden="true">S</span>Siaran</div><p class="tag">\(layout.t("app.tagline"))</p>
            <h1 class="sr">\(layout.t("login.title"))</h1>
            <div class="alert" role="alert">\(error)</div>
            <input type="hidden" name="_csrf" value="\(csrf)">
            <label for="username">\(layout.t("login.username"))</label><input id="username" name="username" type="text" autocomplete="username" required autofocus>
            <label for="password">\(layout.t("login.password"))</label><input id="password" name="password" type="password" autocomplete="current-password" required>
            <button class="btn primary" type="submit">\(layout.t("login.submit"))</button>
            <div class="prefs">\(layout.preferences())</div></form></main>
            """, bare: true)
        response.setCookie(Cookie(name: Self.loginCSRFCookie, value: csrf, maxAge: 3600, path: "/login",
                                  secure: configuration.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    func overviewPage(_ layout: PageLayout) async throws -> Response {
        let campaigns = try await database.campaignSummaries()
        let total = campaigns.reduce(into: CampaignSummary.Counts()) { sum, c in
            sum.total += c.counts.total; sum.sent += c.counts.sent; sum.delivered += c.counts.delivered
            sum.read += c.counts.read; sum.replied += c.counts.replied; sum.failed += c.counts.failed
        }
        let active = campaigns.filter { ["sending", "paused", "scheduled", "queued", "waiting-approval"].contains($0.state) }.count
        let stats = [("overview.campaigns", campaigns.count), ("overview.active", active), ("overview.sent", total.sent),
                     ("overview.delivered", total.delivered), ("overview.replied", total.replied), ("overview.failed", total.failed)]
            .map { "<div class=\"card stat\"><div class=\"label\">\(layout.t($0.0))</div><div class=\"value\">\($0.1)</div></div>" }.joined()
        let recent = Array(campaigns.prefix(10))
        let peak = max(recent.map { $0.counts.total }.max() ?? 1, 1)
        let bars = recent.reversed().map { c -> String in
            let ok = Double(c.counts.sent) / Double(peak) * 100, bad = Double(c.counts.failed) / Double(peak) * 100
            return "<div class=\"col\" title=\"\(HTML.escape(c.name)): \(c.counts.sent) / \(c.counts.failed)\"><div class=\"bad\" style=\"height:\(String(format: "%.1f", bad))%\"></div><div class=\"ok\" style=\"height:\(String(format: "%.1f", ok))%\"></div></div>"
        }.joined()
        let names = recent.reversed().map { "<span>\(HTML.escape($0.name))</span>" }.joined()
        let sessions = try await sessionList(showSecrets: false)
        let sessionRows = sessions.map {
            "<tr><td>\(HTML.escape($0.name))</td><td>\(layout.state($0.state))</td><td class=\"muted\">\($0.phone.map { "+" + HTML.escape($0) } ?? "—")</td></tr>"
        }.joined()
        let body = """
            <h1>\(layout.t("overview.title")) <span class="live small">\(layout.t("campaign.live"))</span></h1>
            <div class="grid">\(stats)</div>
            <div class="two wide stack">
            <section class="card"><h2>\(layout.t("overview.chart"))</h2>
            \(recent.isEmpty ? "<p class=\"muted\">\(layout.t("campaigns.empty"))</p>" : "<div class=\"chart\" aria-hidden=\"true\">\(bars)</div><div class=\"chart-labels\">\(names)</div><div class=\"legend\"><span><i style=\"background:var(--accent)\"></i>\(layout.t("overview.sent"))</span><span><i style=\"background:var(--danger)\"></i>\(layout.t("overview.failed"))</span></div>")</section>
            <section class="card"><h2>\(layout.t("overview.sessions"))</h2>
            \(sessions.isEmpty ? "<p class=\"muted\">\(layout.t("sessions.none"))</p>" : "<table><tbody>\(sessionRows)</tbody></table>")</section>
            </div>
            <section class="card stack" data-live="/api/events" data-add-rows="1"><h2>\(layout.t("overview.recent"))</h2>\(campaignTable(layout, Array(campaigns.prefix(8))))</section>
            \(waitingDropsSection(layout))
            """
        return layout.render(title: layout.language("overview.title"), active: "overview", body: body)
    }

    func campaignTable(_ layout: PageLayout, _ campaigns: [CampaignSummary]) -> String {
        guard !campaigns.isEmpty else { return "<p class=\"muted\">\(layout.t("campaigns.empty"))</p>" }
        let rows = campaigns.map { c -> String in
            """
            <tr data-campaign="\(HTML.escape(c.id))"><td><a href="/campaigns/\(HTML.escape(c.id))">\(HTML.escape(c.name))</a>
            <div class="muted small">\(HTML.escape(c.id))</div></td><td>\(layout.state(c.state))</td>
            <td style="min-width:120px"><div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="\(c.progress)"><span data-f="bar" style="width:\(c.progress)%"></span></div>
            <div class="small muted"><span data-f="sent">\(c.counts.sent)</span> / <span data-f="total">\(c.counts.total)</span> · <span data-f="progress">\(c.progress)%</span></div></td>
            <td class="num hide-sm" data-f="failed">\(c.counts.failed)</td><td class="hide-sm muted small">\(dateTime(c.createdAt, layout))</td></tr>
            """
        }.joined()
        return """
            <div class="table-wrap"><table><thead><tr><th>\(layout.t("col.name"))</th><th>\(layout.t("col.state"))</th><th>\(layout.t("col.progress"))</th>
            <th class="hide-sm num">\(layout.t("overview.failed"))</th><th class="hide-sm">\(layout.t("col.created"))</th></tr></thead><tbody>\(rows)</tbody></table></div>
            """
    }
}
