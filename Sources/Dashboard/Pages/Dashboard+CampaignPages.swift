import Foundation
import Hummingbird
import Reports
import Templates

extension Dashboard {
    func campaignsPage(_ layout: PageLayout) async throws -> Response {
        let campaigns = try await database.campaignSummaries()
        let create = layout.user?.role.allows(.operator) == true ? "<a class=\"btn primary\" href=\"/campaigns/new\">\(layout.t("nav.new"))</a>" : ""
        let body = """
            <div class="row"><h1>\(layout.t("campaigns.title"))</h1><span class="live small">\(layout.t("campaign.live"))</span><span class="spacer"></span>\(create)</div>
            <section class="card" data-live="/api/events" data-add-rows="1">\(campaignTable(layout, campaigns))</section>
            \(waitingDropsSection(layout))
            """
        return layout.render(title: layout.language("campaigns.title"), active: "campaigns", body: body)
    }

    func campaignPage(_ layout: PageLayout, id: String) async throws -> Response {
        let detail = try await campaignDetail(id)
        let c = detail.campaign
        let counters = [("campaign.total", "total", c.counts.total), ("campaign.pending", "pending", c.counts.pending),
                        ("state.sent", "sent", c.counts.sent), ("overview.delivered", "delivered", c.counts.delivered),
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
            "<tr><td>\(HTML.escape(m.phone))</td><td><span class=\"badge \(HTML.escape(m.state))\">\(layout.t("state." + m.state))</span></td><td class=\"hide-sm\">\(HTML.escape(m.session ?? "—"))</td><td class=\"hide-sm muted\">\(m.at.map { self.clock($0) } ?? "")</td></tr>"
        }.joined()
        let reports = detail.reports.filter { !["dry-run.jsonl"].contains($0.name) }.map { file -> String in
            "<tr><td><a href=\"/api/reports/\(HTML.escape(c.id))/\(HTML.escape(file.name))\">\(HTML.escape(file.name))</a></td><td class=\"num muted\">\(ByteCountFormatter.string(fromByteCount: Int64(file.bytes), countStyle: .file))</td></tr>"
        }.joined()
        let live = c.state == "done" || c.state == "cancelled" || c.state == "failed" ? "" : " data-live=\"/api/events?campaign=\(HTML.escape(c.id))\" data-campaign=\"\(HTML.escape(c.id))\" data-refresh=\"1\" data-tz=\"\(HTML.escape(configuration.timeZone))\""
        let body = """
            <div class="row"><h1>\(HTML.escape(c.name))</h1>\(layout.state(c.state))\(live.isEmpty ? "" : "<span class=\"live small\">\(layout.t("campaign.live"))</span>")</div>
            <p class="muted small">\(HTML.escape(c.id)) · outbox/\(HTML.escape(detail.folder))/\(c.failureReason.map { " — " + HTML.escape($0) } ?? "")</p>
            <section class="card"\(live)>
            <div class="row"><div class="progress big" style="flex:1" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="\(c.progress)"><span data-f="bar" style="width:\(c.progress)%"></span></div><b data-f="progress">\(c.progress)%</b></div>
            <div class="counters">\(counters)</div>\(actions)</section>
            <div class="two stack">
            <section class="card"><h2>\(layout.t("campaign.recent"))</h2>
            <div class="table-wrap"><table><thead><tr><th>\(layout.t("col.phone"))</th><th>\(layout.t("col.state"))</th><th class="hide-sm">\(layout.t("col.session"))</th><th class="hide-sm">\(layout.t("col.time"))</th></tr></thead>
            <tbody id="messages">\(messages.isEmpty ? "<tr><td colspan=\"4\" class=\"muted\">\(layout.t("campaign.noMessages"))</td></tr>" : messages)</tbody></table></div></section>
            <div class="stack" style="margin-top:0">
            \(try await planSection(layout, campaign: c.id))
            \(try await analyticsSection(layout, campaign: c.id))
            <section class="card"><h2>\(layout.t("campaign.stages"))</h2><div class="stages">\(stages)</div></section>
            <section class="card"><h2>\(layout.t("campaign.reports"))</h2>\(reports.isEmpty ? "<p class=\"muted\">—</p>" : "<table><tbody>\(reports)</tbody></table>")</section>
            </div></div>
            """
        return layout.render(title: c.name, active: "campaigns", body: body)
    }

    func newCampaignPage(_ layout: PageLayout, request: Request) async -> Response {
        // `?contacts=ID&media=ID` reuses files uploaded before (kept in uploads/ until used).
        func reuse(_ kind: String) -> (id: String, name: String)? {
            guard let id = request.uri.queryParameters.get(kind), id.hasPrefix(kind + "-"),
                  let staged = try? stagedPath(id) else { return nil }
            return (id, staged.name)
        }
        let contacts = reuse("contacts"), media = reuse("media")
        func zone(_ kind: String, _ accept: String, _ hint: String, _ staged: (id: String, name: String)?) -> String {
            """
            <div class="drop\(staged == nil ? "" : " filled")" data-kind="\(kind)" tabindex="0" role="button"><input type="file" accept="\(accept)"><span class="drop-label">\(staged.map { HTML.escape($0.name) + " ✓" } ?? layout.t(hint))</span></div>
            """
        }
        let templates = TemplateLibrary(folder: configuration.templates).load().entries
        let picker = templates.isEmpty ? "" : """
            <label for="template">\(layout.t("new.template"))</label><select id="template"><option value="">\(layout.t("new.templateNone"))</option>\(
                templates.map { "<option value=\"\(HTML.escape($0.name))\">\(HTML.escape($0.name))\($0.template.metadata.description.map { " — " + HTML.escape($0) } ?? "")</option>" }.joined())</select>
            """
        let message = "{Halo|Hai} {name|Kak}, "
        // The first preview is rendered here, so the page shows it at once; the script redoes it on every change.
        var fields = ["message": message]
        if let contacts { fields["contactsUpload"] = contacts.id }
        if let media { fields["mediaUpload"] = media.id }
        let first = try? await preview(MultipartForm(fields: fields), indonesian: layout.language == .id)
        let body = """
            <h1>\(layout.t("new.title"))</h1>
            <form id="new-campaign" class="two wide" novalidate data-done="\(layout.t("new.done"))"\(contacts.map { " data-contacts=\"\(HTML.escape($0.id))\"" } ?? "")\(media.map { " data-media=\"\(HTML.escape($0.id))\"" } ?? "")>
            <section class="card">
            <label for="name">\(layout.t("new.name"))</label><input id="name" name="name" type="text" maxlength="80" placeholder="promo-ramadan" aria-describedby="err-name">
            \(fieldError("name"))
            <label>\(layout.t("new.numbers"))</label>
            \(zone("contacts", ".txt,.csv,.xlsx", "new.numbersHint", contacts))
            <textarea name="numbers" class="code" placeholder="\(layout.t("new.numbersPaste"))" aria-label="\(layout.t("new.numbersPaste"))"></textarea>
            \(picker)<label for="message" id="message-label" data-single="\(layout.t("new.message"))" data-first="\(layout.t("new.variantA"))">\(layout.t("new.message"))</label><textarea id="message" name="message" required>\(HTML.escape(message))</textarea>
            <div class="hint">\(layout.t("new.messageHint"))</div>
            \(aiPanel(layout, target: "#message"))
            <div id="variants" data-label="\(layout.t("new.variant"))" data-remove="\(layout.t("new.variantRemove"))"></div>
            <button class="btn small-btn" type="button" id="add-variant">\(layout.t("new.addVariant"))</button>
            \(fieldError("variants"))
            <label>\(layout.t("new.media"))</label>
            \(zone("media", "image/jpeg,image/png,image/webp", "new.mediaHint", media))
            \(await optionFields(layout))
            \(segmentFields(layout))
            \(abTestFields(layout))
            <details class="advanced" id="advanced"><summary>\(layout.t("new.advanced"))</summary>
            <label for="options">\(layout.t("new.options"))</label><textarea id="options" name="options" class="code" placeholder="send_at: 2025-01-31 09:00&#10;delay: { min: 3, max: 6 }" aria-describedby="err-options"></textarea>
            <div class="hint">\(layout.t("new.advancedHint"))</div>
            \(fieldError("options"))</details>
            <div class="actions"><button class="btn primary" type="submit">\(layout.t("new.submit"))</button>
            <a class="summary small" id="preview-summary" href="#preview-card">\(previewSummary(layout, first))</a></div>
            </section>
            <section class="card sticky" id="preview-card" aria-live="polite"><h2>\(layout.t("new.preview"))</h2>
            \(previewHTML(layout, first))
            <p class="hint">\(layout.t("new.previewHint"))</p></section>
            </form>
            """
        return layout.render(title: layout.language("new.title"), active: "new", body: body)
    }

    /// The place beside a field where the server's refusal of it is shown.
    func fieldError(_ field: String) -> String {
        "<div class=\"field-error\" id=\"err-\(field)\" data-error-for=\"\(field)\" role=\"alert\" hidden></div>"
    }

    /// Schedule, sending numbers, delay range, approval and priority: the options of
    /// `campaign.yaml` as form fields, with the configured defaults beside them.
    func optionFields(_ layout: PageLayout) async -> String {
        let sending = configuration.sending
        var times = LocalTimeFormatter(timeZone: timeZone)
        let today = times.fields(Date())
        let date = "\(LocalTimeFormatter.pad(today.year, 4))-\(LocalTimeFormatter.pad(today.month))-\(LocalTimeFormatter.pad(today.day))"
        // Linked numbers (live from the daemon, else as the database remembers them) and the configured ones.
        var sessions: [(name: String, state: String?, phone: String?)] = []
        for session in (try? await sessionList(showSecrets: false)) ?? [] { sessions.append((session.name, session.state, session.phone)) }
        for name in configuration.sessionNames where !sessions.contains(where: { $0.name == name }) { sessions.append((name, nil, nil)) }
        let boxes = sessions.sorted { $0.name < $1.name }.map { s -> String in
            let detail = [s.phone.map { "+" + HTML.escape($0) }, s.state.map { layout.state($0) }].compactMap { $0 }.joined(separator: " ")
            return "<label class=\"check\"><input type=\"checkbox\" name=\"sessions\" value=\"\(HTML.escape(s.name))\"> <span>\(HTML.escape(s.name))</span> \(detail)</label>"
        }.joined()
        func seconds(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(value) }
        return """
            <fieldset class="options" id="field-send_at"><legend>\(layout.t("new.when"))</legend>
            <label class="check"><input type="radio" name="send_mode" value="now" checked> \(layout.t("new.sendNow"))</label>
            <label class="check"><input type="radio" name="send_mode" value="later"> \(layout.t("new.sendLater"))</label>
            <div class="inline" id="schedule"><input type="date" name="send_date" value="\(date)" min="\(date)" aria-label="\(layout.t("new.date"))" aria-describedby="err-send_at">
            <input type="time" name="send_time" value="09:00" step="60" aria-label="\(layout.t("new.time"))" aria-describedby="err-send_at"></div>
            <div class="hint">\(layout.t("new.zone")) \(HTML.escape(zoneLabel)) · \(HTML.escape(configuration.timeZone))</div>
            \(fieldError("send_at"))
            <label class="check"><input type="checkbox" name="best_send_time" value="best" aria-describedby="err-send_time"> \(layout.t("new.bestSendTime"))</label>
            <div class="hint">\(layout.t("new.bestSendTimeHint"))</div>
            \(fieldError("send_time"))</fieldset>
            <fieldset class="options" id="field-sessions"><legend>\(layout.t("new.sessions"))</legend>
            \(boxes.isEmpty ? "<p class=\"hint\">\(layout.t("new.noSessions"))</p>" : "<div class=\"checks\">\(boxes)</div>")
            <div class="hint">\(layout.t("new.sessionsHint"))</div>
            \(fieldError("sessions"))</fieldset>
            <fieldset class="options" id="field-delay"><legend>\(layout.t("new.delay"))</legend>
            <div class="inline"><input type="number" name="delay_min" min="0" max="3600" step="0.5" inputmode="decimal" placeholder="\(seconds(sending.delayMinimum))" aria-label="\(layout.t("new.delayMin"))" aria-describedby="err-delay">
            <span aria-hidden="true">–</span><input type="number" name="delay_max" min="0" max="3600" step="0.5" inputmode="decimal" placeholder="\(seconds(sending.delayMaximum))" aria-label="\(layout.t("new.delayMax"))" aria-describedby="err-delay">
            <span class="muted">\(layout.t("new.seconds"))</span></div>
            <div class="hint">\(layout.t("new.delayHint")) \(seconds(sending.delayMinimum))–\(seconds(sending.delayMaximum)) \(layout.t("new.seconds"))</div>
            \(fieldError("delay"))</fieldset>
            <fieldset class="options" id="field-approval"><legend>\(layout.t("new.approvalPriority"))</legend>
            <label class="check"><input type="checkbox" name="approval" value="required"\(sending.approval == .required ? " checked" : "")> \(layout.t("new.approval"))</label>
            \(fieldError("approval"))
            <label for="priority">\(layout.t("new.priority"))</label><input id="priority" name="priority" type="number" min="-1000" max="1000" step="1" value="0" inputmode="numeric" aria-describedby="err-priority">
            <div class="hint">\(layout.t("new.priorityHint"))</div>
            \(fieldError("priority"))</fieldset>
            """
    }

    /// One line beside the send button (on a phone the preview card is below the form).
    func previewSummary(_ layout: PageLayout, _ p: CampaignPreview?) -> String {
        var parts: [String] = []
        if let c = p?.contacts { parts.append("\(c.valid) \(layout.t("js.valid"))") }
        if let m = p?.media { parts.append("🖼 \(m.prepared.bytes >= 1_048_576 ? String(format: "%.1f MB", Double(m.prepared.bytes) / 1_048_576) : "\(max(1, m.prepared.bytes / 1024)) KB")") }
        let problems = (p?.problems.count ?? 0) + (p?.mediaError == nil ? 0 : 1) + (p?.contactsError == nil ? 0 : 1)
        if problems > 0 { parts.append("⚠ \(problems)") }
        return parts.joined(separator: " · ")
    }

    /// Message text as WhatsApp shows it: each run in a span with its styles (`wa-bold`, …).
    static func styled(_ runs: [CampaignPreview.Span]) -> String {
        runs.map { run -> String in
            run.style.isEmpty ? HTML.escape(run.text)
                : "<span class=\"\(run.style.map { "wa-" + $0 }.joined(separator: " "))\">\(HTML.escape(run.text))</span>"
        }.joined()
    }

    /// The preview card's contents as the script draws them (`showPreview` in Script.swift).
    func previewHTML(_ layout: PageLayout, _ p: CampaignPreview?) -> String {
        func size(_ bytes: Int) -> String {
            bytes >= 1_048_576 ? String(format: "%.1f MB", Double(bytes) / 1_048_576) : "\(max(1, Int((Double(bytes) / 1024).rounded()))) KB"
        }
        let messages = p?.messages ?? []
        let first = messages.first
        let to = first.map { "→ +\(HTML.escape($0.phone))" + (p?.sample == true ? " · " + layout.t("js.sample") : "") } ?? ""
        let image = p?.media.map { "<img src=\"\(HTML.escape($0.url))?s=\($0.prepared.bytes)\" alt=\"\" width=\"\($0.prepared.width)\" height=\"\($0.prepared.height)\">" } ?? ""
        let more = messages.dropFirst().map { "<div class=\"to small muted\">→ +\(HTML.escape($0.phone))</div><div class=\"bubble\">\(Self.styled($0.runs))</div>" }.joined()
        var facts = ""
        if let m = p?.media {
            facts += "<div class=\"fact\">\(size(m.original.bytes)) → \(size(m.prepared.bytes)) · \(m.prepared.width)×\(m.prepared.height) \(m.prepared.format)\(m.prepared.quality.map { " · q\($0)" } ?? "")</div>"
        }
        if let c = p?.contacts {
            facts += "<div class=\"fact\">\(c.valid) \(layout.t("js.valid")) · \(c.refused) \(layout.t("js.refused")) · \(c.duplicates) \(layout.t("js.duplicates")) · \(c.optedOut) \(layout.t("js.optedOut"))</div>"
        }
        let problems = ([p?.mediaError, p?.contactsError].compactMap { $0 } + (p?.problems ?? [])).map { "<li>\(HTML.escape($0))</li>" }.joined()
        let refusals = (p?.contacts?.refusals ?? []).map { r in
            "<li>\(layout.t("js.line")) \(r.line): \(HTML.escape(r.input.isEmpty ? "∅" : r.input)) — \(layout.reason(r.reason))\(r.duplicateOf.map { " (\(layout.t("js.line")) \($0))" } ?? "")</li>"
        }.joined() + (p?.warnings ?? []).map { "<li class=\"warn\">\(HTML.escape($0))</li>" }.joined()
        return """
            <div class="preview"><div class="to small" id="preview-to">\(to)</div><div class="bubble" id="preview-bubble">\(image)\(first.map { Self.styled($0.runs) } ?? "…")</div><div id="preview-more" class="preview-more">\(more)</div></div>
            <div id="preview-facts" class="facts">\(facts)</div>
            <ul id="preview-problems" class="alert problems"\(problems.isEmpty ? " hidden" : "")>\(problems)</ul>
            <ul id="preview-refusals" class="refusals small"\(refusals.isEmpty ? " hidden" : "")>\(refusals)</ul>
            """
    }
}
