import Foundation
import Hummingbird

extension Dashboard {
    /// `/contacts`: the opt-out list (search, pages, add, remove, export), the number checker and
    /// one number's history (`?phone=`).
    func contactsPage(_ layout: PageLayout, request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let search = query.get("q") ?? ""
        let list = try await optOutPage(search: search, page: query.get("page", as: Int.self) ?? 1, limit: 25)
        let role = layout.user?.role
        let admin = role == .admin, operatorRole = role?.allows(.operator) == true
        let rows = list.items.map { item -> String in
            let remove = admin ? """
                <button class="btn danger small-btn" type="button" data-post="/api/contacts/optouts/\(HTML.escape(item.phone))" data-method="DELETE" \
                data-confirm="\(layout.t("contacts.confirmRemove")) +\(HTML.escape(item.phone))" data-reload>\(layout.t("contacts.remove"))</button>
                """ : ""
            return """
                <tr><td><a href="/contacts?phone=\(HTML.escape(item.phone))#history">+\(HTML.escape(item.phone))</a>
                <div class="show-sm muted small">\(HTML.escape(Self.sourceLabel(layout, item.source)))</div></td>
                <td class="hide-sm"><span class="badge">\(HTML.escape(Self.sourceLabel(layout, item.source)))</span></td>
                <td class="hide-sm muted small nowrap">\(item.createdAt.map { self.minute($0) } ?? "—")</td>
                <td class="hide-sm small">\(HTML.escape(item.detail ?? ""))</td><td class="num">\(remove)</td></tr>
                """
        }.joined()
        func pageLink(_ page: Int, _ label: String) -> String {
            var items = [URLQueryItem(name: "page", value: String(page))]
            if !search.isEmpty { items.insert(URLQueryItem(name: "q", value: search), at: 0) }
            var components = URLComponents()
            components.queryItems = items
            return "<a class=\"btn\" href=\"/contacts\(HTML.escape(components.string ?? ""))\">\(label)</a>"
        }
        let pager = list.pages > 1 ? """
            <div class="pager">\(list.page > 1 ? pageLink(list.page - 1, "‹") : "")<span class="muted small">\(list.page) / \(list.pages)</span>\(list.page < list.pages ? pageLink(list.page + 1, "›") : "")</div>
            """ : ""
        let add = operatorRole ? """
            <form id="add-optout" class="stack-sm"><h3>\(layout.t("contacts.add"))</h3>
            <div class="toolbar"><input name="phone" type="tel" inputmode="tel" required placeholder="0812 3456 7890" aria-label="\(layout.t("col.phone"))">
            <input name="note" type="text" maxlength="200" placeholder="\(layout.t("contacts.note"))" aria-label="\(layout.t("contacts.note"))">
            <button class="btn primary" type="submit">\(layout.t("contacts.addButton"))</button></div></form>
            """ : ""
        let optOuts = """
            <section class="card" id="optouts"><div class="row"><h2 style="margin:0">\(layout.t("contacts.optouts"))</h2><span class="badge" data-f="optout-total">\(list.total)</span>
            <span class="spacer"></span><a class="btn" href="/api/contacts/optouts.csv" download>\(layout.t("contacts.export"))</a></div>
            <p class="hint">\(layout.t("contacts.optoutsHint"))</p>
            <form class="toolbar" method="get" action="/contacts" role="search"><input type="text" name="q" value="\(HTML.escape(search))" placeholder="\(layout.t("contacts.search"))" aria-label="\(layout.t("contacts.search"))">
            <button class="btn" type="submit">\(layout.t("contacts.searchButton"))</button></form>
            \(list.items.isEmpty ? "<p class=\"muted\">\(layout.t(search.isEmpty ? "contacts.noOptouts" : "contacts.noMatch"))</p>" : """
            <div class="table-wrap"><table><thead><tr><th>\(layout.t("col.phone"))</th><th class="hide-sm">\(layout.t("col.source"))</th><th class="hide-sm">\(layout.t("col.created"))</th><th class="hide-sm">\(layout.t("contacts.note"))</th><th></th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """)\(pager)\(add)</section>
            """
        let check = """
            <section class="card"><h2>\(layout.t("contacts.check"))</h2><p class="hint">\(layout.t("contacts.checkHint"))</p>
            <form id="check-numbers"><textarea name="numbers" class="code" aria-label="\(layout.t("new.numbersPaste"))" placeholder="0812-3456-7890&#10;+62 812 9876 5432&#10;6281311112222"></textarea>
            <div class="toolbar" style="margin-top:8px"><label class="file-pick"><input type="file" name="file" accept=".txt,.csv,.xlsx"><span class="btn">\(layout.t("file.choose"))</span> <span class="file-name muted">\(layout.t("js.noFile"))</span></label>
            <button class="btn primary" type="submit">\(layout.t("contacts.checkButton"))</button></div></form>
            <div id="check-summary" class="facts"></div>
            <div class="table-wrap"><table id="check-result" hidden><thead><tr><th>\(layout.t("js.line"))</th><th>\(layout.t("contacts.typed"))</th><th>\(layout.t("contacts.result"))</th></tr></thead><tbody></tbody></table></div>
            </section>
            """
        let lookup = try await lookupSection(layout, phone: query.get("phone"))
        let body = """
            <h1>\(layout.t("contacts.title"))</h1>
            <div class="two wide">\(optOuts)<div class="stack" style="margin-top:0">\(check)\(lookup)</div></div>
            """
        return layout.render(title: layout.language("contacts.title"), active: "contacts", body: body)
    }

    /// "Replied STOP" for `reply`, …; a source without a label shows as written.
    static func sourceLabel(_ layout: PageLayout, _ source: String) -> String {
        PageStrings.table["source." + source] == nil ? source : layout.language("source." + source)
    }

    private func lookupSection(_ layout: PageLayout, phone: String?) async throws -> String {
        var result = ""
        if let phone, !phone.trimmingCharacters(in: .whitespaces).isEmpty {
            do {
                let history = try await self.history(of: phone)
                let status = history.optedOut.map {
                    "<p><span class=\"badge failed\">\(layout.t("reason.opted-out"))</span> <span class=\"muted small\">\(HTML.escape(Self.sourceLabel(layout, $0.source)))\($0.createdAt.map { " · " + self.minute($0) } ?? "")</span></p>"
                } ?? "<p><span class=\"badge done\">\(layout.t("contacts.reachable"))</span></p>"
                let messages = history.messages.map { m -> String in
                    let at = m.readAt ?? m.deliveredAt ?? m.sentAt ?? m.failedAt ?? m.queuedAt
                    let reply = history.replies.first { $0.campaignId == m.campaignId }.flatMap(\.text).map {
                        "<div class=\"small\">↩ \(HTML.escape(String($0.prefix(200))))</div>"
                    } ?? ""
                    return """
                        <tr><td><a href="/campaigns/\(HTML.escape(m.campaignId))">\(HTML.escape(m.campaignName))</a>\(reply)</td>
                        <td><span class="badge \(HTML.escape(m.state))">\(layout.t("state." + m.state))</span>\(m.reason.map { "<div class=\"muted small\">\(layout.reason($0))</div>" } ?? "")</td>
                        <td class="muted small nowrap">\(self.minute(at))</td></tr>
                        """
                }.joined()
                let loose = history.replies.filter { $0.campaignId == nil }.map {
                    "<li>\(self.minute($0.receivedAt)): \(HTML.escape(String(($0.text ?? "").prefix(200))))</li>"
                }.joined()
                result = """
                    <h3>+\(HTML.escape(history.phone))</h3>\(status)
                    \(messages.isEmpty ? "<p class=\"muted\">\(layout.t("contacts.noHistory"))</p>" : "<div class=\"table-wrap\"><table><thead><tr><th>\(layout.t("nav.campaigns"))</th><th>\(layout.t("col.state"))</th><th>\(layout.t("col.time"))</th></tr></thead><tbody>\(messages)</tbody></table></div>")
                    \(loose.isEmpty ? "" : "<h3>\(layout.t("contacts.replies"))</h3><ul class=\"small\">\(loose)</ul>")
                    """
            } catch let error as DashboardError {
                result = "<div class=\"alert\" role=\"alert\">\(HTML.escape(error.message))</div>"
            }
        }
        return """
            <section class="card" id="history"><h2>\(layout.t("contacts.lookup"))</h2>
            <form class="toolbar" method="get" action="/contacts#history"><input type="tel" name="phone" value="\(HTML.escape(phone ?? ""))" placeholder="0812 3456 7890" aria-label="\(layout.t("col.phone"))">
            <button class="btn" type="submit">\(layout.t("contacts.lookupButton"))</button></form>\(result)</section>
            """
    }
}
