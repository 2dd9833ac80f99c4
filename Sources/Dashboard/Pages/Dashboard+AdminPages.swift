import Foundation
import Hummingbird

extension Dashboard {
    /// A restricted number's card says until when, and what happens meanwhile.
    func restrictionNote(_ until: Date?, _ layout: PageLayout) -> String {
        guard let until, until > Date() else { return "" }
        return """
            <p class="alert warn" data-f="restricted"><strong>\(layout.t("sessions.restricted")) \(HTML.escape(dateTime(until, layout)))</strong><br>
            <span class="small">\(layout.t("sessions.restrictedHint"))</span></p>
            """
    }

    /// In a cluster: which worker connects the number, and the lease's fencing counter.
    func ownerLine(_ s: PublicSession, _ layout: PageLayout) -> String {
        guard let worker = s.worker else { return "" }
        return """
            <p class="small muted" data-f="worker">\(layout.t("sessions.worker")) <code>\(HTML.escape(worker))</code> · \(layout.t("sessions.fencing")) \(s.fencing ?? 0)</p>
            """
    }

    /// The restriction's end in unix milliseconds ("0" when none holds): the page's script
    /// compares it with each live session event and reloads when a restriction starts, moves or ends.
    func restrictedMark(_ until: Date?) -> String {
        guard let until, until > Date() else { return "0" }
        return String(Int64((until.timeIntervalSince1970 * 1000).rounded(.down)))
    }

    func sessionsPage(_ layout: PageLayout) async throws -> Response {
        let admin = layout.user?.role == .admin
        let sessions = try await sessionList(showSecrets: admin)
        let cards = sessions.map { s -> String in
            let name = HTML.escape(s.name)
            let body = HTML.escape(#"{"session":"\#(s.name)"}"#)
            var controls = ""
            if admin {
                controls = """
                    <div data-f="qr"\(s.qr == nil ? " hidden" : "")><p class="small muted">\(layout.t("sessions.scan"))</p>
                    <img class="qr" alt="QR" src="\(s.qr == nil ? "data:," : "/api/sessions/\(name)/qr.svg?v=\(s.qrIndex ?? 0)")"></div>
                    <div data-f="code"\(s.pairingCode == nil ? " hidden" : "")><p class="small muted">\(layout.t("sessions.code"))</p><div class="paircode">\(HTML.escape(s.pairingCode ?? ""))</div></div>
                    <div class="actions">
                    <button class="btn primary" type="button" data-post="/api/whatsapp/connect" data-body="\(body)">\(layout.t("sessions.connect"))</button>
                    <button class="btn danger" type="button" data-post="/api/whatsapp/disconnect" data-body="\(body)" data-confirm="\(layout.t("sessions.confirmLogout"))" data-reload>\(layout.t("sessions.disconnect"))</button>
                    </div>
                    <label for="phone-\(name)">\(layout.t("sessions.pair"))</label>
                    <div class="row"><input id="phone-\(name)" type="tel" inputmode="numeric" placeholder="\(layout.t("sessions.phone"))" style="flex:1;min-width:180px">
                    <button class="btn" type="button" data-post="/api/whatsapp/connect" data-body="\(body)" data-phone-from="#phone-\(name)" data-needs-phone="1">\(layout.t("sessions.pair"))</button></div>
                    """
            }
            return """
                <section class="card" data-session="\(name)" data-restricted-until="\(restrictedMark(s.restrictedUntil))" data-worker="\(HTML.escape(s.worker ?? ""))"><div class="row"><h2 style="margin:0">\(name)</h2>\(layout.state(s.state))</div>
                <p class="muted">\(layout.t("col.phone")): <span data-f="phone">\(s.phone.map { "+" + HTML.escape($0) } ?? "—")</span></p>\(ownerLine(s, layout))
                \(restrictionNote(s.restrictedUntil, layout))<p class="small" data-f="notice"\(s.notice == nil ? " hidden" : "")>\(HTML.escape(s.notice ?? ""))</p>\(controls)</section>
                """
        }.joined()
        // Admins may link another number under a new name (by QR code or pairing code).
        let add = admin && sessionControl != nil ? """
            <section class="card" id="add-session"><h2 style="margin:0">\(layout.t("sessions.add"))</h2>
            <p class="small muted">\(layout.t("sessions.addHint"))</p>
            <label for="new-session">\(layout.t("sessions.name"))</label>
            <input id="new-session" type="text" maxlength="32" pattern="[A-Za-z0-9_-]{1,32}" placeholder="cabang-bandung" autocomplete="off">
            <label for="new-session-phone">\(layout.t("sessions.pair"))</label>
            <input id="new-session-phone" type="tel" inputmode="numeric" placeholder="\(layout.t("sessions.phone"))">
            <div class="actions">
            <button class="btn primary" type="button" data-post="/api/whatsapp/connect" data-body="{}" data-name-from="#new-session" data-reload>\(layout.t("sessions.connect"))</button>
            <button class="btn" type="button" data-post="/api/whatsapp/connect" data-body="{}" data-name-from="#new-session" data-phone-from="#new-session-phone" data-needs-phone="1" data-reload>\(layout.t("sessions.pair"))</button>
            </div></section>
            """ : ""
        let body = """
            <div class="row"><h1>\(layout.t("sessions.title"))</h1><span class="live small">\(layout.t("campaign.live"))</span></div>
            <div class="two" data-live="/api/events">\(sessions.isEmpty ? "<section class=\"card\"><p class=\"muted\">\(layout.t("sessions.none"))</p></section>" : cards)\(add)</div>
            """
        return layout.render(title: layout.language("sessions.title"), active: "sessions", body: body)
    }

    func usersPage(_ layout: PageLayout) async throws -> Response {
        let users = try await self.users.all()
        let rows = users.map { u -> String in
            let options = Role.allCases.reversed().map { "<option value=\"\($0.rawValue)\"\($0 == u.role ? " selected" : "")>\(layout.t("role." + $0.rawValue))</option>" }.joined()
            return """
                <tr><td>\(HTML.escape(u.username))</td><td><select data-user="\(HTML.escape(u.username))" aria-label="\(layout.t("col.role"))">\(options)</select></td>
                <td class="hide-sm muted small">\(self.minute(u.createdAt))</td>
                <td><button class="btn danger" type="button" data-post="/api/users/\(HTML.escape(u.username))" data-method="DELETE" data-confirm="\(layout.t("users.confirmRemove"))" data-reload>\(layout.t("users.remove"))</button></td></tr>
                """
        }.joined()
        let audit = try await self.audit.recent(limit: 15).map {
            "<tr><td class=\"muted small\">\(self.minute($0.at))</td><td>\(HTML.escape($0.actor))</td><td>\(HTML.escape($0.action))</td><td class=\"hide-sm\">\(HTML.escape($0.target ?? ""))</td></tr>"
        }.joined()
        let roles = Role.allCases.reversed().map { "<option value=\"\($0.rawValue)\">\(layout.t("role." + $0.rawValue))</option>" }.joined()
        let body = """
            <h1>\(layout.t("users.title"))</h1>
            <div class="two wide">
            <section class="card"><div class="table-wrap"><table><thead><tr><th>\(layout.t("login.username"))</th><th>\(layout.t("col.role"))</th><th class="hide-sm">\(layout.t("col.created"))</th><th></th></tr></thead><tbody>\(rows)</tbody></table></div></section>
            <form class="card" id="add-user"><h2>\(layout.t("users.add"))</h2>
            <label for="nu">\(layout.t("login.username"))</label><input id="nu" name="username" type="text" required minlength="2" autocomplete="off">
            <label for="np">\(layout.t("login.password"))</label><input id="np" name="password" type="password" required minlength="10" autocomplete="new-password">
            <label for="nr">\(layout.t("col.role"))</label><select id="nr" name="role">\(roles)</select>
            <div class="actions"><button class="btn primary" type="submit">\(layout.t("users.add"))</button></div></form>
            </div>
            <section class="card stack"><h2>\(layout.t("users.audit"))</h2><div class="table-wrap"><table><tbody>\(audit)</tbody></table></div></section>
            """
        return layout.render(title: layout.language("users.title"), active: "users", body: body)
    }
}
