import AIWriting

extension Dashboard {
    /// "Write with AI" and "Improve" under a message editor, for operators and admins when `ai:`
    /// is configured (empty otherwise, so viewers and installations without AI see nothing).
    /// `target` is the textarea the chosen text goes into.
    func aiPanel(_ layout: PageLayout, target: String) -> String {
        guard let writer, layout.user?.role.allows(.operator) == true else { return "" }
        func options(_ values: [(String, String)], selected: String) -> String {
            values.map { "<option value=\"\($0.0)\"\($0.0 == selected ? " selected" : "")>\(HTML.escape($0.1))</option>" }.joined()
        }
        let language = layout.language == .id ? "id" : "en"
        return """
            <section class="ai-tools" id="ai-tools" data-target="\(HTML.escape(target))" data-ui-language="\(language)" aria-labelledby="ai-title">
            <div class="row"><h3 id="ai-title">\(layout.t("ai.title"))</h3><span class="spacer"></span><span class="muted small" title="\(layout.t("ai.modelHint"))">\(HTML.escape(writer.model.summary))</span></div>
            <label for="ai-prompt">\(layout.t("ai.prompt"))</label>
            <textarea id="ai-prompt" class="ai-prompt" maxlength="2000" placeholder="\(layout.t("ai.promptExample"))"></textarea>
            <div class="ai-options">
            <label>\(layout.t("ai.variants"))<select id="ai-variants">\(options((1...5).map { ("\($0)", "\($0)") }, selected: "3"))</select></label>
            <label>\(layout.t("ai.language"))<select id="ai-language">\(options([("id", "Bahasa Indonesia"), ("en", "English")], selected: "id"))</select></label>
            <label>\(layout.t("ai.tone"))<select id="ai-tone">\(options([("santai", layout.language("ai.toneCasual")), ("formal", layout.language("ai.toneFormal"))], selected: "santai"))</select></label>
            </div>
            <div class="actions"><button class="btn" type="button" id="ai-write">✨ \(layout.t("ai.write"))</button>
            <span class="ai-improve"><select id="ai-goal" aria-label="\(layout.t("ai.goal"))">\(options([
                ("shorter", layout.language("ai.goalShorter")), ("clearer", layout.language("ai.goalClearer")),
                ("friendlier", layout.language("ai.goalFriendlier")), ("more-formal", layout.language("ai.goalFormal")),
            ], selected: "clearer"))</select><button class="btn" type="button" id="ai-improve">\(layout.t("ai.improve"))</button></span></div>
            <p class="hint">\(layout.t("ai.hint"))</p>
            <div id="ai-result" class="ai-result" aria-live="polite" hidden></div>
            </section>
            """
    }
}
