import AutoReply
import Foundation
import Hummingbird

extension Dashboard {
    /// Admins edit `autoreply.yaml` here: the server checks it with the daemon's own checker and
    /// saves only a file that passes; problems are listed by line.
    func autoReplyPage(_ layout: PageLayout) -> Response {
        let existing = autoReplyFileText()
        let text = existing ?? Self.autoReplyExample
        let state = checkAutoReply(text)
        let problems = state.problems.map {
            "<li class=\"warn\">\($0.line > 0 ? "\(layout.t("js.line")) \($0.line), \(layout.t("js.column")) \($0.column): " : "")\(HTML.escape($0.message))</li>"
        }.joined()
        let status = existing == nil
            ? "<div id=\"autoreply-summary\" class=\"alert\" role=\"status\">\(layout.t("autoreply.none"))</div>"
            : "<div id=\"autoreply-summary\" class=\"alert\(state.ok ? " ok" : "")\" role=\"status\">\(HTML.escape(state.summary ?? layout.t("autoreply.broken")))</div>"
        let body = """
            <h1>\(layout.t("autoreply.title"))</h1>
            <p class="muted">\(layout.t("autoreply.intro"))</p>
            <form class="card" id="autoreply-editor">
            <label for="autoreply-text">\(HTML.escape(AutoReplyConfiguration.fileName))</label>
            <textarea id="autoreply-text" name="text" class="code editor tall" spellcheck="false" autocapitalize="off" autocomplete="off">\(HTML.escape(text))</textarea>
            <div class="hint">\(layout.t("autoreply.hint"))</div>
            \(status)
            <ul id="autoreply-problems" class="refusals small"\(problems.isEmpty ? " hidden" : "")>\(problems)</ul>
            <div class="actions"><button class="btn" type="button" id="autoreply-check">\(layout.t("autoreply.check"))</button>
            <button class="btn primary" type="submit">\(layout.t("autoreply.save"))</button></div>
            </form>
            <section class="card stack"><h2>\(layout.t("autoreply.safetyTitle"))</h2><p class="small">\(layout.t("autoreply.safety"))</p></section>
            """
        return layout.render(title: layout.language("autoreply.title"), active: "autoreply", body: body)
    }

    /// What a new file starts from (the same example as README).
    public static let autoReplyExample = """
        # Automatic answers to incoming WhatsApp texts. The first rule that matches answers.
        enabled: true
        cooldown: 24h          # one answer per contact per rule within this time
        daily_cap: 3           # automatic answers per contact per day
        loop_guard: 10s        # a text back within this time of our answer is another bot: stop
        business_hours:
          days: mon-sat
          open: "08:00"
          close: "17:00"
        away: "Terima kasih {nama|Kak}, kami buka Senin–Sabtu 08.00–17.00 WIB. Pesan Anda kami balas besok pagi."
        opt_out_confirmation: "Baik, nomor Anda tidak akan menerima pesan promosi dari kami lagi."
        rules:
          - name: harga
            keywords: [harga, berapa, price, how much]
            answer: "{Halo|Hai} {nama|Kak}, harganya Rp 50.000. Mau pesan berapa?"
          - name: lokasi
            regex: '\\b(alamat|lokasi|di ?mana)\\b'
            answer: "Toko kami di Jl. Merdeka 1, Jakarta. Buka Senin–Sabtu 08.00–17.00."
        default: "Terima kasih {nama|Kak}, staf kami segera membalas."

        """

    static let autoReplyStrings: [String: (String, String)] = [
        "nav.autoreply": ("Auto-reply", "Balasan otomatis"),
        "autoreply.title": ("Auto-reply rules", "Aturan balasan otomatis"),
        "autoreply.intro": ("Incoming texts are answered by the first rule that matches: an opt-out word gets one confirmation, then keyword and pattern rules, then the away message outside business hours, otherwise the default answer.",
                            "Pesan masuk dijawab oleh aturan pertama yang cocok: kata berhenti mendapat satu konfirmasi, lalu aturan kata kunci dan pola, lalu pesan di luar jam kerja, selain itu jawaban bawaan."),
        "autoreply.hint": ("Keywords match whole words in any case, with or without accents. Answers may use {nama} and other columns of the contact's list, and {Halo|Hai} choices. The server checks the file before saving; the daemon picks it up within a second.",
                           "Kata kunci cocok sebagai kata utuh, huruf besar atau kecil, dengan atau tanpa aksen. Jawaban boleh memakai {nama} dan kolom lain dari daftar kontak, serta pilihan {Halo|Hai}. Server memeriksa berkas sebelum menyimpan; daemon memakainya dalam sedetik."),
        "autoreply.check": ("Check", "Periksa"),
        "autoreply.save": ("Save", "Simpan"),
        "autoreply.none": ("There is no autoreply.yaml yet: nothing is answered automatically. This is an example; save it to switch the bot on.",
                           "Belum ada autoreply.yaml: tidak ada balasan otomatis. Ini contoh; simpan untuk menyalakan bot."),
        "autoreply.broken": ("The file on disk has problems; the daemon keeps the rules it had.", "Berkas di disk bermasalah; daemon tetap memakai aturan sebelumnya."),
        "autoreply.safetyTitle": ("Safety, always on", "Pengaman, selalu aktif"),
        "autoreply.safety": ("One automatic answer per contact per rule per cooldown, and a cap per contact per day. Never to opted-out numbers (after STOP only the one confirmation), groups, broadcasts or our own numbers. A contact that answers at once like a bot gets nothing more after the first exchange. Automatic answers count toward each number's hourly and daily caps and show in the Inbox with their rule.",
                            "Satu balasan otomatis per kontak per aturan per masa jeda, dan batas per kontak per hari. Tidak pernah ke nomor yang berhenti langganan (setelah STOP hanya satu konfirmasi), grup, siaran, atau nomor kita sendiri. Kontak yang langsung membalas seperti bot tidak mendapat apa-apa lagi setelah balasan pertama. Balasan otomatis dihitung dalam batas per jam dan per hari setiap nomor dan tampil di Kotak masuk beserta aturannya."),
        "js.column": ("column", "kolom"),
        "js.showLine": ("Show", "Tunjukkan"),
    ]
}
