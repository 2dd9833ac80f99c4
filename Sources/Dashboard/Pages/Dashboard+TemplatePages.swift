import Foundation
import Hummingbird

extension Dashboard {
    /// `/templates`: every template with a rendered sample; `?edit=NAME` (or `?new`) opens the editor.
    func templatesPage(_ layout: PageLayout, request: Request) -> Response {
        let list = templateList()
        let canEdit = layout.user?.role.allows(.operator) == true
        let editing = request.uri.queryParameters.get("edit")
        let creating = request.uri.queryParameters.get("new") != nil
        let cards = list.templates.map { t -> String in
            let name = HTML.escape(t.name)
            let actions = canEdit ? """
                <div class="actions"><a class="btn" href="/templates?edit=\(name)#editor">\(layout.t("templates.edit"))</a>
                <button class="btn danger" type="button" data-post="/api/templates/\(name)" data-method="DELETE" data-confirm="\(layout.t("templates.confirmDelete")) \(name)" data-reload>\(layout.t("templates.delete"))</button></div>
                """ : ""
            let meta = [t.file, t.language, t.variants > 1 ? "\(t.variants) \(layout.language("templates.variants"))" : nil].compactMap { $0 }.map(HTML.escape).joined(separator: " · ")
            return """
                <article class="card tpl" data-template="\(name)"><div class="row"><h3>\(name)</h3><span class="muted small">\(meta)</span></div>
                \(t.description.map { "<p class=\"muted small\" style=\"margin:0\">\(HTML.escape($0))</p>" } ?? "")
                <div class="preview"><div class="bubble">\(t.sample.map { Self.styled(CampaignPreview.Span.runs($0)) } ?? "—")</div></div>
                \(t.notes.isEmpty ? "" : "<ul class=\"refusals small\">\(t.notes.map { "<li class=\"warn\">\(HTML.escape($0))</li>" }.joined())</ul>")\(actions)</article>
                """
        }.joined()
        let problems = list.problems.map {
            "<li>\(HTML.escape($0.file))\($0.line > 0 ? ":\($0.line):\($0.column)" : ""): \(HTML.escape($0.message))</li>"
        }.joined()
        var editor = ""
        if canEdit && (editing != nil || creating) {
            let current = editing.flatMap { name in list.templates.first { $0.name.lowercased() == name.lowercased() } }
            let body = current?.body ?? "---\ndescription: \ntags: []\n---\n{Halo|Hai} {name|Kak}, \n"
            editor = """
                <form class="card" id="template-editor" data-existing="\(current == nil ? "" : "1")"><h2 id="editor">\(layout.t(current == nil ? "templates.new" : "templates.editing"))</h2>
                <label for="tname">\(layout.t("templates.name"))</label><input id="tname" name="name" type="text" required maxlength="64" pattern="[A-Za-z0-9][A-Za-z0-9_\\-]*" value="\(HTML.escape(current?.name ?? ""))"\(current == nil ? "" : " readonly")>
                <label for="tbody">\(layout.t("templates.body"))</label><textarea id="tbody" name="body" class="code editor" spellcheck="false">\(HTML.escape(body))</textarea>
                <div class="hint">\(layout.t("templates.hint"))</div>
                \(aiPanel(layout, target: "#tbody"))
                <div id="template-error" class="alert" role="alert"></div>
                <div class="preview" aria-live="polite"><div class="to small">\(layout.t("templates.livePreview"))</div><div class="bubble" id="template-preview">\(current?.sample.map { Self.styled(CampaignPreview.Span.runs($0)) } ?? "…")</div></div>
                <div class="actions"><button class="btn primary" type="submit">\(layout.t("templates.save"))</button><a class="btn" href="/templates">\(layout.t("templates.cancel"))</a></div></form>
                """
        }
        let create = canEdit ? "<a class=\"btn primary\" href=\"/templates?new#editor\">\(layout.t("templates.new"))</a>" : ""
        let body = """
            <div class="row"><h1>\(layout.t("templates.title"))</h1><span class="spacer"></span>\(create)</div>
            <p class="hint">\(layout.t("templates.intro"))</p>
            \(editor)
            \(problems.isEmpty ? "" : "<section class=\"card stack\"><h2>\(layout.t("templates.problems"))</h2><ul class=\"problems alert\">\(problems)</ul></section>")
            <div class="tpl-list stack">\(cards.isEmpty ? "<section class=\"card\"><p class=\"muted\">\(layout.t("templates.none"))</p></section>" : cards)</div>
            """
        return layout.render(title: layout.language("templates.title"), active: "templates", body: body)
    }
}
