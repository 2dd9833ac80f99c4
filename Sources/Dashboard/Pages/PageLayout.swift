import Foundation
import Hummingbird
import NIOCore
import Reports

/// The frame around every page: header with navigation, theme and language toggles, the CSRF
/// token for the script, and the labels it needs.
struct PageLayout {
    let language: Language
    let theme: String
    let user: SessionToken.Verified?

    init(request: Request, user: SessionToken.Verified?) {
        language = request.cookies["lang"].flatMap { Language(rawValue: $0.value) } ?? .en
        let theme = request.cookies["theme"]?.value
        self.theme = theme == "dark" ? "dark" : "light"
        self.user = user
    }

    func t(_ key: String) -> String { HTML.escape(language(key)) }

    /// A refusal or failure reason in the reports' words, escaped.
    func reason(_ code: String) -> String { HTML.escape(ReasonWording.phrase(code, indonesian: language == .id)) }

    func state(_ state: String) -> String {
        "<span class=\"badge \(HTML.escape(state))\" data-f=\"state\">\(t("state." + state))</span>"
    }

    /// A whole HTML document.
    func render(title: String, active: String? = nil, body: String, bare: Bool = false) -> Response {
        let labels = PageStrings.table.keys.filter { $0.hasPrefix("state.") || $0.hasPrefix("js.") || $0.hasPrefix("reason.") }.sorted()
            .map { "\"\($0)\":\"\(language($0).replacingOccurrences(of: "\"", with: "\\\""))\"" }.joined(separator: ",")
        var html = """
            <!doctype html>
            <html lang="\(language.rawValue)" data-theme="\(theme)">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
            <meta name="csrf" content="\(HTML.escape(user?.csrf ?? ""))"><meta name="color-scheme" content="light dark">
            <title>\(HTML.escape(title)) · Siaran</title><link rel="stylesheet" href="/assets/app.css">
            <link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='4' fill='%2312805c'/%3E%3C/svg%3E">
            <script type="application/json" id="i18n">{\(labels.replacingOccurrences(of: "</", with: "<\\/"))}</script>
            <script src="/assets/app.js" defer></script></head>
            <body>
            """
        if !bare {
            html += header(active: active)
            html += "<main id=\"main\"><div id=\"flash\" class=\"alert\" role=\"status\" aria-live=\"polite\"></div>\(body)</main>"
        } else {
            html += body
        }
        html += "</body></html>"
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    func preferences() -> String {
        let other: Language = language == .en ? .id : .en
        return """
            <button class="iconbtn" type="button" data-toggle="theme" title="\(t("theme.toggle"))" aria-label="\(t("theme.toggle"))">◐</button>
            <button class="iconbtn" type="button" data-lang="\(other.rawValue)" title="\(t("lang.toggle"))" aria-label="\(t("lang.toggle"))">\(other == .id ? "ID" : "EN")</button>
            """
    }

    private func header(active: String?) -> String {
        var links: [(String, String, String)] = [("overview", "/", "nav.overview"), ("campaigns", "/campaigns", "nav.campaigns")]
        if user?.role.allows(.operator) == true { links.append(("new", "/campaigns/new", "nav.new")) }
        links.append(("conversations", "/conversations", "nav.conversations"))
        links.append(("contacts", "/contacts", "nav.contacts"))
        links.append(("templates", "/templates", "nav.templates"))
        links.append(("reports", "/reports", "nav.reports"))
        links.append(("sessions", "/sessions", "nav.sessions"))
        if user?.role == .admin { links.append(("autoreply", "/autoreply", "nav.autoreply")) }
        if user?.role == .admin { links.append(("users", "/users", "nav.users")) }
        let nav = links.map { key, href, label -> String in
            "<a href=\"\(href)\"\(key == active ? " aria-current=\"page\"" : "")>\(t(label))</a>"
        }.joined()
        let who = user.map { "<span class=\"who\">\(HTML.escape($0.username)) · \(t("role." + $0.role.rawValue))</span>" } ?? ""
        return """
            <a class="skip" href="#main">\(t("skip"))</a>
            <header class="top"><div class="bar"><a class="brand" href="/"><span class="dot" aria-hidden="true">S</span>Siaran</a>
            <span class="spacer"></span>\(who)\(preferences())
            <button class="iconbtn" type="button" data-logout>\(t("nav.logout"))</button></div>
            <nav class="main" aria-label="Main">\(nav)</nav></header>
            """
    }
}
