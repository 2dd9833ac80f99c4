import Foundation
import Hummingbird
import Store

extension Dashboard {
    /// `/conversations`: the inbox. Conversations newest first with unread counts and filters
    /// (unanswered, campaign, number, assigned to me, search); `?phone=` opens one: our campaign
    /// messages, their texts, our answers with ticks, and (for operators) the answer box, done and assign.
    func inboxPage(_ layout: PageLayout, request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let me = layout.user?.username ?? ""
        var filter = ConversationFilter(unansweredOnly: query.get("unanswered") == "1")
        if let campaign = query.get("campaign"), !campaign.isEmpty { filter.campaign = String(campaign) }
        if let session = query.get("session"), !session.isEmpty { filter.session = String(session) }
        if query.get("mine") == "1" { filter.assignedTo = me }
        if let search = query.get("q"), !search.isEmpty { filter.search = String(search.prefix(60)) }
        let selected = query.get("phone").flatMap { try? lookupNumber(String($0)) }
        // Opening a conversation reads it: its count in the list is already zero.
        if let selected { try await database.markConversationSeen(phone: selected) }
        let list = try await database.conversations(filter, limit: 200)
        var keep: [URLQueryItem] = []
        for name in ["unanswered", "campaign", "session", "mine", "q"] {
            if let value = query.get(name), !value.isEmpty { keep.append(URLQueryItem(name: name, value: String(value))) }
        }
        func link(_ phone: String) -> String {
            var components = URLComponents()
            components.queryItems = keep + [URLQueryItem(name: "phone", value: phone)]
            return "/conversations" + (components.string ?? "") + "#conversation"
        }
        let campaigns = try await database.campaignSummaries(limit: 50)
        let campaignNames = Dictionary(campaigns.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let items = list.map { c -> String in
            let who = c.name.isEmpty ? "+\(HTML.escape(c.phone))" : "\(HTML.escape(c.name)) <span class=\"muted small\">+\(HTML.escape(c.phone))</span>"
            let badges = [
                c.unread > 0 ? "<span class=\"badge unread\" title=\"\(layout.t("inbox.unread"))\">\(c.unread)</span>" : nil,
                c.answered ? "<span class=\"badge done\">\(layout.t("inbox.answered"))</span>" : nil,
                c.optedOut ? "<span class=\"badge failed\">\(layout.t("reason.opted-out"))</span>" : nil,
                c.assignedTo.map { "<span class=\"badge\">→ \(HTML.escape($0))</span>" },
            ].compactMap { $0 }.joined(separator: " ")
            let preview = HTML.escape(String(c.lastText.replacingOccurrences(of: "\n", with: " ").prefix(90)))
            return """
                <li\(c.phone == selected ? " aria-current=\"true\"" : "")><a href="\(HTML.escape(link(c.phone)))" data-conversation="\(HTML.escape(c.phone))">
                <div class="row"><b class="who-line">\(who)</b><span class="spacer"></span><span class="muted small nowrap">\(self.minute(c.lastAt))</span></div>
                <div class="small last">\(preview)</div>
                <div class="row small"><span class="muted">\(HTML.escape(c.campaign.map { campaignNames[$0] ?? $0 } ?? layout.language("inbox.noCampaign")))</span><span class="spacer"></span>\(badges)</div></a></li>
                """
        }.joined()
        let campaignOptions = campaigns.map {
            "<option value=\"\(HTML.escape($0.id))\"\(filter.campaign == $0.id ? " selected" : "")>\(HTML.escape($0.name))</option>"
        }.joined()
        let sessionOptions = configuration.sessionNames.map {
            "<option value=\"\(HTML.escape($0))\"\(filter.session == $0 ? " selected" : "")>\(HTML.escape($0))</option>"
        }.joined()
        let filters = """
            <form class="filters" method="get" action="/conversations" role="search">
            <input type="text" name="q" value="\(HTML.escape(filter.search ?? ""))" placeholder="\(layout.t("inbox.search"))" aria-label="\(layout.t("inbox.search"))">
            <select name="campaign" aria-label="\(layout.t("nav.campaigns"))"><option value="">\(layout.t("inbox.allCampaigns"))</option>\(campaignOptions)</select>
            \(configuration.sessionNames.count > 1 ? "<select name=\"session\" aria-label=\"\(layout.t("nav.sessions"))\"><option value=\"\">\(layout.t("inbox.allSessions"))</option>\(sessionOptions)</select>" : "")
            <label class="check"><input type="checkbox" name="unanswered" value="1"\(filter.unansweredOnly ? " checked" : "")> \(layout.t("inbox.unanswered"))</label>
            <label class="check"><input type="checkbox" name="mine" value="1"\(filter.assignedTo != nil ? " checked" : "")> \(layout.t("inbox.mine"))</label>
            <button class="btn" type="submit">\(layout.t("inbox.filter"))</button></form>
            """
        let listCard = """
            <section class="card inbox-list"><div class="row"><h2 style="margin:0">\(layout.t("inbox.conversations"))</h2>
            <span class="badge" data-f="unread-total">\(list.reduce(0) { $0 + $1.unread })</span></div>
            \(filters)
            \(list.isEmpty ? "<p class=\"muted\">\(layout.t("inbox.empty"))</p>" : "<ul class=\"conversations\">\(items)</ul>")</section>
            """
        var detail = "<section class=\"card\" id=\"conversation\"><p class=\"muted\">\(layout.t("inbox.pick"))</p></section>"
        if let selected, let conversation = try await database.conversation(phone: selected) {
            detail = try await conversationSection(layout, conversation, campaignNames: campaignNames)
        }
        let body = """
            <h1>\(layout.t("inbox.title"))</h1>
            <div class="two wide inbox" data-inbox="\(HTML.escape(selected ?? ""))">\(listCard)\(detail)</div>
            """
        return layout.render(title: layout.language("inbox.title"), active: "conversations", body: body)
    }

    private func conversationSection(_ layout: PageLayout, _ conversation: Conversation, campaignNames: [String: String]) async throws -> String {
        let summary = conversation.summary
        let phone = HTML.escape(summary.phone)
        let operatorRole = layout.user?.role.allows(.operator) == true
        let bubbles = conversation.entries.map { entry -> String in
            let time = "<span class=\"meta\">\(self.minute(entry.at))\(Self.ticks(entry))</span>"
            let image = entry.hasImage ? "<div class=\"muted small\">🖼 \(layout.t("inbox.image"))</div>" : ""
            switch entry.kind {
            case .campaign:
                let what = [entry.campaign.map { campaignNames[$0] ?? $0 }, entry.variant.flatMap { $0.isEmpty ? nil : "\(layout.language("inbox.variant")) \($0)" }].compactMap { $0 }
                return "<div class=\"bubble out campaign\"><div class=\"muted small\">📣 \(HTML.escape(what.joined(separator: " · ")))</div>\(image)\(HTML.escape(entry.text))\(time)</div>"
            case .incoming:
                return "<div class=\"bubble in\(entry.isOptOut ? " optout" : "")\">\(HTML.escape(entry.text))\(time)</div>"
            case .answer:
                let by = entry.rule.map { "🤖 \(HTML.escape($0))" } ?? HTML.escape(entry.author ?? "")
                let failed = entry.state == "failed" ? "<div class=\"small failed-text\">\(layout.t("inbox.failed")): \(HTML.escape(Self.refusalWords(entry.reason ?? "", phone: summary.phone)))</div>" : ""
                return "<div class=\"bubble out\"><div class=\"muted small\">\(by) · \(HTML.escape(entry.session ?? ""))</div>\(image)\(HTML.escape(entry.text))\(failed)\(time)</div>"
            }
        }.joined()
        var actions = ""
        if operatorRole {
            let users = try await database.users().map(\.username)
            let options = users.map { "<option value=\"\(HTML.escape($0))\"\($0 == summary.assignedTo ? " selected" : "")>\(HTML.escape($0))</option>" }.joined()
            let sessions = configuration.sessionNames.map {
                "<option value=\"\(HTML.escape($0))\"\($0 == summary.session ? " selected" : "")>\(HTML.escape($0))</option>"
            }.joined()
            let optOutNote = summary.optedOut ? "<p class=\"hint\">\(layout.t("inbox.optedOutHint"))</p>" : ""
            actions = """
                <form id="answer" class="answer" data-phone="\(phone)">\(optOutNote)
                <label class="sr-only" for="answer-text">\(layout.t("inbox.answer"))</label>
                <textarea id="answer-text" name="text" maxlength="4096" placeholder="\(layout.t("inbox.answerPlaceholder"))"></textarea>
                <div class="toolbar">\(configuration.sessionNames.count > 1 ? "<select name=\"session\" aria-label=\"\(layout.t("nav.sessions"))\">\(sessions)</select>" : "")
                \(summary.optedOut ? "<label class=\"check\"><input type=\"checkbox\" name=\"confirmOptOut\" value=\"1\"> \(layout.t("inbox.confirmOptOut"))</label>" : "")
                \(writer == nil ? "" : "<button class=\"btn small-btn\" type=\"button\" data-suggest=\"\(phone)\">\(layout.t("inbox.suggest"))</button>")
                <label class="btn small-btn attach"><input type="file" name="image" accept="image/jpeg,image/png,image/webp" hidden><span data-label="\(layout.t("inbox.picture"))">\(layout.t("inbox.picture"))</span></label>
                <button class="btn primary" type="submit">\(layout.t("inbox.send"))</button></div></form>
                <div class="toolbar inbox-actions">
                <button class="btn small-btn" type="button" data-post="/api/conversations/\(phone)/done" data-body='{"done":\(summary.doneAt == nil)}' data-reload>\(layout.t(summary.doneAt == nil ? "inbox.markDone" : "inbox.reopen"))</button>
                <select data-assign="\(phone)" aria-label="\(layout.t("inbox.assign"))"><option value="">\(layout.t("inbox.nobody"))</option>\(options)</select></div>
                """
        }
        return """
            <section class="card" id="conversation" data-phone="\(phone)"><div class="row"><h2 style="margin:0">\(summary.name.isEmpty ? "+\(phone)" : "\(HTML.escape(summary.name)) <span class=\"muted small\">+\(phone)</span>")</h2>
            <span class="spacer"></span><a class="btn small-btn" href="/contacts?phone=\(phone)#history">\(layout.t("inbox.history"))</a></div>
            <div class="preview chat">\(bubbles)</div>\(actions)</section>
            """
    }

    /// WhatsApp's ticks for what we sent: one when sent, two when delivered, blue when read.
    static func ticks(_ entry: ConversationEntry) -> String {
        guard entry.kind != .incoming else { return "" }
        switch entry.state {
        case "read": return " <span class=\"tick read\" aria-label=\"read\">✓✓</span>"
        case "delivered": return " <span class=\"tick\" aria-label=\"delivered\">✓✓</span>"
        case "sent": return " <span class=\"tick\" aria-label=\"sent\">✓</span>"
        case "queued", "sending": return " <span class=\"tick\" aria-label=\"sending\">🕓</span>"
        case "failed": return " <span class=\"tick failed-text\" aria-label=\"failed\">!</span>"
        default: return ""
        }
    }
}

extension PageStrings {
    /// The inbox's words.
    static let conversations: [String: (String, String)] = [
        "nav.conversations": ("Inbox", "Kotak masuk"),
        "inbox.title": ("Inbox", "Kotak masuk"),
        "inbox.conversations": ("Conversations", "Percakapan"),
        "inbox.unread": ("unread", "belum dibaca"),
        "inbox.answered": ("answered", "dijawab"),
        "inbox.noCampaign": ("not from a campaign", "bukan dari kampanye"),
        "inbox.search": ("Number or name", "Nomor atau nama"),
        "inbox.allCampaigns": ("All campaigns", "Semua kampanye"),
        "inbox.allSessions": ("All numbers", "Semua nomor"),
        "inbox.unanswered": ("Unanswered", "Belum dijawab"),
        "inbox.mine": ("Assigned to me", "Ditugaskan ke saya"),
        "inbox.filter": ("Filter", "Saring"),
        "inbox.empty": ("No conversation yet: replies to campaigns and other texts to your numbers appear here.",
                        "Belum ada percakapan: balasan kampanye dan pesan lain ke nomor Anda muncul di sini."),
        "inbox.pick": ("Choose a conversation to read and answer it.", "Pilih percakapan untuk membaca dan menjawabnya."),
        "inbox.image": ("picture", "gambar"),
        "inbox.variant": ("variant", "varian"),
        "inbox.failed": ("Not sent", "Tidak terkirim"),
        "inbox.answer": ("Answer", "Jawaban"),
        "inbox.picture": ("🖼 Picture", "🖼 Gambar"),
        "inbox.suggest": ("✨ Suggest an answer", "✨ Sarankan jawaban"),
        "js.suggested": ("A suggested answer from AI: read and edit it before you send it.", "Saran jawaban dari AI: baca dan ubah sebelum dikirim."),
        "js.suggesting": ("Asking the AI…", "Meminta AI…"),
        "inbox.answerPlaceholder": ("Type your answer; it is sent at once from the number that wrote to this contact.",
                                    "Ketik jawaban; langsung dikirim dari nomor yang menghubungi kontak ini."),
        "inbox.send": ("Send", "Kirim"),
        "inbox.optedOutHint": ("This number opted out: only one confirmation of the opt-out may be sent.",
                               "Nomor ini minta berhenti: hanya satu konfirmasi berhenti yang boleh dikirim."),
        "inbox.confirmOptOut": ("This confirms the opt-out", "Ini konfirmasi berhenti"),
        "inbox.markDone": ("Mark done", "Tandai selesai"),
        "inbox.reopen": ("Reopen", "Buka lagi"),
        "inbox.assign": ("Assign to", "Tugaskan ke"),
        "inbox.nobody": ("Not assigned", "Belum ditugaskan"),
        "inbox.history": ("History", "Riwayat"),
        "js.answerSent": ("Answer sent", "Jawaban terkirim"),
        "js.answerQueued": ("Answer queued: it goes out when the number is connected", "Jawaban diantrekan: dikirim saat nomor tersambung"),
    ]
}

/// The inbox's part of `/assets/app.js`: answer, assign, and live reloads when a text arrives.
enum InboxScript {
    static let js = #"""
    (function(){
    "use strict";
    var doc=document,csrf=(doc.querySelector('meta[name=csrf]')||{}).content||"";
    var labels={};try{labels=JSON.parse((doc.getElementById('i18n')||{}).textContent||"{}")}catch(e){}
    function t(k){return labels[k]||k}
    function flash(msg,ok){var a=doc.getElementById('flash');if(!a)return;a.textContent=msg;a.className='alert'+(ok?' ok':'')}
    function post(url,body){return fetch(url,{method:'POST',headers:{'X-CSRF-Token':csrf,'Content-Type':'application/json'},body:JSON.stringify(body),credentials:'same-origin'})
      .then(function(r){return r.text().then(function(x){var j={};try{j=JSON.parse(x)}catch(e){}if(!r.ok)throw new Error(j.message||j.reason||(r.status+' '+r.statusText));return j})})}
    var box=doc.querySelector('[data-inbox]');if(!box)return;
    var chat=doc.querySelector('.chat');if(chat)chat.scrollTop=chat.scrollHeight;
    var form=doc.getElementById('answer');
    if(form){form.addEventListener('submit',function(e){e.preventDefault();
      var text=form.querySelector('[name=text]').value,s=form.querySelector('[name=session]'),c=form.querySelector('[name=confirmOptOut]'),b=form.querySelector('[type=submit]');
      var img=form.querySelector('[name=image]'),file=img&&img.files&&img.files[0];
      if(!text.trim()&&!file)return;b.disabled=true;
      // A picture is uploaded first (checked like a campaign's), then the answer names it.
      var upload=file?(function(){var fd=new FormData();fd.append('file',file,file.name);
        return fetch('/api/media/upload',{method:'POST',headers:{'X-CSRF-Token':csrf},body:fd,credentials:'same-origin'})
          .then(function(r){return r.json().then(function(j){if(!r.ok)throw new Error(j.message||r.statusText);return j.id})})})():Promise.resolve(null);
      upload.then(function(media){return post('/api/conversations/'+encodeURIComponent(form.dataset.phone)+'/answer',{text:text,session:s?s.value:null,confirmOptOut:!!(c&&c.checked),media:media})})
        .then(function(j){flash(t(j.state==='queued'?'js.answerQueued':'js.answerSent'),true);setTimeout(function(){location.reload()},500)})
        .catch(function(err){flash(err.message);b.disabled=false})})}
    // The AI's draft goes into the answer box only; the operator edits and sends it (or not).
    var sg=doc.querySelector('[data-suggest]');
    if(sg&&form){sg.addEventListener('click',function(){var ta=form.querySelector('[name=text]');sg.disabled=true;flash(t('js.suggesting'),true);
      post('/api/conversations/'+encodeURIComponent(sg.dataset.suggest)+'/suggest?lang='+(document.documentElement.lang==='id'?'id':'en'),{})
        .then(function(j){ta.value=j.text;ta.focus();flash(t('js.suggested'),true)}).catch(function(err){flash(err.message)}).finally(function(){sg.disabled=false})})}
    var pick=form&&form.querySelector('[name=image]');
    if(pick){pick.addEventListener('change',function(){var l=form.querySelector('[data-label]');l.textContent=pick.files[0]?'🖼 '+pick.files[0].name:l.dataset.label})}
    Array.prototype.forEach.call(doc.querySelectorAll('select[data-assign]'),function(s){s.addEventListener('change',function(){
      post('/api/conversations/'+encodeURIComponent(s.dataset.assign)+'/assign',{user:s.value||null}).then(function(j){flash(j.message,true)}).catch(function(err){flash(err.message)})})});
    // A new text or a sent answer: reload, unless the operator is typing an answer.
    if(window.EventSource){var es=new EventSource('/api/events'),soon=null;
      es.addEventListener('conversation',function(){var typing=form&&form.querySelector('[name=text]').value.trim();
        if(typing){flash(t('inbox.unread'),true);return}if(!soon)soon=setTimeout(function(){location.reload()},600)})}
    })();
    """#
}
