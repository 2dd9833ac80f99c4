import Foundation
import Hummingbird
import Templates

extension Dashboard {
    func campaignsPage(_ layout: PageLayout) async throws -> Response {
        let campaigns = try await database.campaignSummaries()
        let create = layout.user?.role.allows(.operator) == true ? "<a class=\"btn primary\" href=\"/campaigns/new\">\(layout.t("nav.new"))</a>" : ""
        let body = """
            <div class="row"><h1>\(layout.t("campaigns.title"))</h1><span class="live small">\(layout.t("campaign.live"))</span><span class="spacer"></span>\(create)</div>
            <section class="card" data-live="/api/events" data-add-rows="1">\(campaignTable(layout, campaigns))</section>
            """
        return layout.render(title: layout.language("campaigns.title"), active: "campaigns", body: body)
    }

    func campaignPage(_ layout: PageLayout, id: String) async throws -> Response {
        let detail = try await campaignDetail(id)
        let c = detail.campaign
        let counters = [("campaign.total", "total", c.counts.total), ("campaign.pending", "pending", c.counts.pending),
                        ("overview.sent", "sent", c.counts.sent), ("overview.delivered", "delivered", c.counts.delivered),
                        ("overview.read", "read", c.counts.read), ("overview.failed", "failed", c.counts.failed)]
            .map { "<div><b data-f=\"\($0.1)\">\($0.2)</b><span>\(layout.t($0.0))</span></div>" }.joined()
        var actions = ""
        if layout.user?.role.allows(.operator) == true {
            let body = HTML.escape(#"{"id":"\#(c.id)"}"#)
            func action(_ key: String, _ name: String, _ states: String, extra: String = "") -> String {
                let json = HTML.escape(#"{"id":"\#(c.id)","action":"\#(name)"}"#)
                let hidden = states.split(separator: " ").contains(Substring(c.state)) ? "" : " hidden"
                return "<button class=\"btn\(extra)\" type=\"button\" data-post=\"/api/campaign/pause\" data-body=\"\(json)\" data-show-when=\"\(states)\"\(name == "cancel" ? " data-confirm=\"\(layout.t("campaign.confirmCancel"))\"" : "") data-reload\(hidden)>\(layout.t(key))</button>"
            }
            let startHidden = c.state == "waiting-approval" ? "" : " hidden"
            actions = """
                <div class="actions">
                <button class="btn primary" type="button" data-post="/api/campaign/start" data-body="\(body)" data-show-when="waiting-approval" data-reload\(startHidden)>\(layout.t("campaign.start"))</button>
                \(action("campaign.pause", "pause", "sending scheduled queued"))\(action("campaign.resume", "resume", "paused"))\(action("campaign.cancel", "cancel", "sending scheduled queued paused waiting-approval", extra: " danger"))
                </div>
                """
        }
        let stages = Self.stageOrder.map { "<span class=\"\(detail.stages.contains($0) ? "on" : "")\">\($0)</span>" }.joined()
        let messages = detail.recentMessages.map { m -> String in
            "<tr><td>\(HTML.escape(m.phone))</td><td><span class=\"badge \(HTML.escape(m.state))\">\(layout.t("state." + m.state))</span></td><td class=\"hide-sm\">\(HTML.escape(m.session ?? "—"))</td><td class=\"hide-sm muted\">\(m.at.map { Self.timeFormatter.string(from: $0) } ?? "")</td></tr>"
        }.joined()
        let reports = detail.reports.filter { !["dry-run.jsonl"].contains($0.name) }.map { file -> String in
            "<tr><td><a href=\"/api/reports/\(HTML.escape(c.id))/\(HTML.escape(file.name))\">\(HTML.escape(file.name))</a></td><td class=\"num muted\">\(ByteCountFormatter.string(fromByteCount: Int64(file.bytes), countStyle: .file))</td></tr>"
        }.joined()
        let live = c.state == "done" || c.state == "cancelled" || c.state == "failed" ? "" : " data-live=\"/api/events?campaign=\(HTML.escape(c.id))\" data-campaign=\"\(HTML.escape(c.id))\" data-refresh=\"1\""
        let body = """
            <div class="row"><h1>\(HTML.escape(c.name))</h1>\(layout.state(c.state))\(live.isEmpty ? "" : "<span class=\"live small\">\(layout.t("campaign.live"))</span>")</div>
            <p class="muted small">\(HTML.escape(c.id))\(c.failureReason.map { " — " + HTML.escape($0) } ?? "")</p>
            <section class="card"\(live)>
            <div class="row"><div class="progress big" style="flex:1" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="\(c.progress)"><span data-f="bar" style="width:\(c.progress)%"></span></div><b data-f="progress">\(c.progress)%</b></div>
            <div class="counters">\(counters)</div>\(actions)</section>
            <div class="two stack">
            <section class="card"><h2>\(layout.t("campaign.recent"))</h2>
            <div class="table-wrap"><table><thead><tr><th>\(layout.t("col.phone"))</th><th>\(layout.t("col.state"))</th><th class="hide-sm">\(layout.t("col.session"))</th><th class="hide-sm">\(layout.t("col.time"))</th></tr></thead>
            <tbody id="messages">\(messages.isEmpty ? "<tr><td colspan=\"4\" class=\"muted\">\(layout.t("campaign.noMessages"))</td></tr>" : messages)</tbody></table></div></section>
            <div class="stack" style="margin-top:0">
            <section class="card"><h2>\(layout.t("campaign.stages"))</h2><div class="stages">\(stages)</div></section>
            <section class="card"><h2>\(layout.t("campaign.reports"))</h2>\(reports.isEmpty ? "<p class=\"muted\">—</p>" : "<table><tbody>\(reports)</tbody></table>")</section>
            </div></div>
            """
        return layout.render(title: c.name, active: "campaigns", body: body)
    }

    func newCampaignPage(_ layout: PageLayout) -> Response {
        let templates = TemplateLibrary(folder: configuration.templates).load().entries
        let picker = templates.isEmpty ? "" : """
            <label for="template">\(layout.t("new.template"))</label><select id="template"><option value="">\(layout.t("new.templateNone"))</option>\(
                templates.map { "<option value=\"\(HTML.escape($0.name))\">\(HTML.escape($0.name))\($0.template.metadata.description.map { " — " + HTML.escape($0) } ?? "")</option>" }.joined())</select>
            """
        let body = """
            <h1>\(layout.t("new.title"))</h1>
            <form id="new-campaign" class="two wide" data-done="\(layout.t("new.done"))">
            <section class="card">
            <label for="name">\(layout.t("new.name"))</label><input id="name" name="name" type="text" maxlength="80" placeholder="promo-ramadan">
            <label>\(layout.t("new.numbers"))</label>
            <div class="drop" data-kind="contacts" tabindex="0" role="button"><input type="file" accept=".txt,.csv,.xlsx"><span class="drop-label">\(layout.t("new.numbersHint"))</span></div>
            <textarea name="numbers" class="code" placeholder="\(layout.t("new.numbersPaste"))" aria-label="\(layout.t("new.numbersPaste"))"></textarea>
            \(picker)<label for="message">\(layout.t("new.message"))</label><textarea id="message" name="message" required>{Halo|Hai} {name|Kak}, </textarea>
            <div class="hint">\(layout.t("new.messageHint"))</div>
            <label>\(layout.t("new.media"))</label>
            <div class="drop" data-kind="media" tabindex="0" role="button"><input type="file" accept="image/jpeg,image/png,image/webp"><span class="drop-label">\(layout.t("new.mediaHint"))</span></div>
            <label for="options">\(layout.t("new.options"))</label><textarea id="options" name="options" class="code" placeholder="send_at: 2025-01-31 09:00&#10;delay: { min: 3, max: 6 }"></textarea>
            <div class="actions"><button class="btn primary" type="submit">\(layout.t("new.submit"))</button></div>
            </section>
            <section class="card sticky" id="preview-card" aria-live="polite"><h2>\(layout.t("new.preview"))</h2>
            <div class="preview"><div class="to small" id="preview-to"></div><div class="bubble" id="preview-bubble"></div><div id="preview-more" class="preview-more"></div></div>
            <div id="preview-facts" class="facts"></div>
            <ul id="preview-problems" class="alert problems" hidden></ul>
            <ul id="preview-refusals" class="refusals small" hidden></ul>
            <p class="hint">\(layout.t("new.previewHint"))</p></section>
            </form>
            """
        return layout.render(title: layout.language("new.title"), active: "new", body: body)
    }

    static let timeFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        return formatter
    }()
}
