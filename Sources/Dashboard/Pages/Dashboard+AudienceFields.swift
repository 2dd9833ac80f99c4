import Foundation
import Pipeline

/// The New campaign form's segment builder and A/B test fields (two blocks of their own; the
/// server side is `SegmentForm` and `CampaignForm`). Rows of the builder are made by the script
/// from the `<template>` here; the matching count comes with every preview (`segment` in it).
extension Dashboard {
    func segmentFields(_ layout: PageLayout) -> String {
        func option(_ kind: SegmentForm.Kind) -> String { "<option value=\"\(kind.rawValue)\">\(layout.t("segment.kind." + kind.rawValue))</option>" }
        let columns = SegmentForm.Kind.allCases.filter(\.readsColumn).map(option).joined()
        let history = [SegmentForm.Kind.repliedWithin, .readWithin, .unreadInLast, .neverDelivered].map(option).joined()
        return """
            <fieldset class="options" id="field-segment" data-collect><legend>\(layout.t("segment.title"))</legend>
            <p class="hint">\(layout.t("segment.hint"))</p>
            <div class="inline segment-join" hidden><label for="segment-join">\(layout.t("segment.join"))</label>
            <select id="segment-join" name="segment_join"><option value="all">\(layout.t("segment.all"))</option><option value="any">\(layout.t("segment.any"))</option></select></div>
            <div id="segment-rows"></div>
            <button class="btn small-btn" type="button" id="add-segment-row">\(layout.t("segment.add"))</button>
            <datalist id="segment-columns"></datalist>
            <template id="segment-row"><div class="segment-row">
            <select name="segment_kind" aria-label="\(layout.t("segment.condition"))"><optgroup label="\(layout.t("segment.columns"))">\(columns)<option value="tag">\(layout.t("segment.kind.tag"))</option></optgroup><optgroup label="\(layout.t("segment.history"))">\(history)</optgroup></select>
            <input type="text" name="segment_column" list="segment-columns" placeholder="\(layout.t("segment.column"))" aria-label="\(layout.t("segment.column"))" autocomplete="off">
            <input type="text" name="segment_value" placeholder="\(layout.t("segment.value"))" aria-label="\(layout.t("segment.value"))" data-values="\(layout.t("segment.values"))" data-number="\(layout.t("segment.number"))" data-days="\(layout.t("segment.days"))" data-campaigns="\(layout.t("segment.campaigns"))" data-tag="\(layout.t("segment.tag"))" data-text="\(layout.t("segment.value"))">
            <span class="segment-and muted">\(layout.t("segment.and"))</span>
            <input type="text" name="segment_value2" inputmode="decimal" placeholder="\(layout.t("segment.number"))" aria-label="\(layout.t("segment.upper"))">
            <button class="btn small-btn segment-remove" type="button" aria-label="\(layout.t("segment.remove"))">✕</button>
            <div class="field-error" data-error-for="segment-0" role="alert" hidden></div></div></template>
            <div class="fact" id="segment-count" data-none="\(layout.t("segment.noList"))" data-match="\(layout.t("segment.match"))" data-of="\(layout.t("segment.of"))" data-opted="\(layout.t("segment.optedOut"))" hidden></div>
            \(fieldError("segment"))</fieldset>
            """
    }

    func abTestFields(_ layout: PageLayout) -> String {
        """
        <fieldset class="options" id="field-ab_test" data-collect><legend>\(layout.t("ab.title"))</legend>
        <label class="check"><input type="checkbox" name="ab_enabled" value="on" aria-describedby="err-ab_test"> \(layout.t("ab.enable"))</label>
        <div id="ab-fields" class="ab-grid" hidden>
        <div><label for="ab-sample">\(layout.t("ab.sample"))</label><div class="inline"><input id="ab-sample" name="ab_sample" type="number" min="1" max="90" step="1" inputmode="numeric" placeholder="20"><span class="muted">%</span></div></div>
        <div><label for="ab-metric">\(layout.t("ab.metric"))</label><select id="ab-metric" name="ab_metric"><option value="replied">\(layout.t("ab.replied"))</option><option value="read">\(layout.t("ab.read"))</option></select></div>
        <div><label for="ab-wait">\(layout.t("ab.wait"))</label><div class="inline"><input id="ab-wait" name="ab_wait" type="number" min="0" step="any" inputmode="decimal" placeholder="2">
        <select name="ab_wait_unit" aria-label="\(layout.t("ab.unit"))"><option value="m">\(layout.t("ab.minutes"))</option><option value="h" selected>\(layout.t("ab.hours"))</option><option value="d">\(layout.t("ab.days"))</option></select></div></div>
        <div><label for="ab-min">\(layout.t("ab.min"))</label><input id="ab-min" name="ab_min_per_variant" type="number" min="1" step="1" inputmode="numeric" placeholder="50"></div>
        <div><label for="ab-fallback">\(layout.t("ab.fallback"))</label><select id="ab-fallback" name="ab_fallback"><option value="first">\(layout.t("ab.first"))</option><option value="higher">\(layout.t("ab.higher"))</option></select></div>
        </div>
        <div class="hint">\(layout.t("ab.hint"))</div>
        \(fieldError("ab_test"))</fieldset>
        """
    }

    /// The words of the two blocks, English and Bahasa Indonesia.
    static let audienceStrings: [String: (String, String)] = [
        "segment.title": ("Who gets it (segment)", "Siapa yang dikirimi (segmen)"),
        "segment.hint": ("No condition: everyone on the list. Opted-out numbers are always left out.",
                         "Tanpa syarat: semua yang ada di daftar. Nomor yang berhenti berlangganan selalu dikeluarkan."),
        "segment.add": ("+ Add a condition", "+ Tambah syarat"),
        "segment.join": ("Contacts who match", "Kontak yang memenuhi"),
        "segment.all": ("all of these conditions", "semua syarat ini"),
        "segment.any": ("any of these conditions", "salah satu syarat ini"),
        "segment.condition": ("Condition", "Syarat"),
        "segment.columns": ("A column of the list", "Kolom daftar"),
        "segment.history": ("How they answered before", "Tanggapan sebelumnya"),
        "segment.kind.equals": ("column is", "kolom sama dengan"),
        "segment.kind.not_equals": ("column is not", "kolom tidak sama dengan"),
        "segment.kind.one_of": ("column is one of", "kolom salah satu dari"),
        "segment.kind.contains": ("column contains", "kolom memuat"),
        "segment.kind.at_least": ("column is at least (number)", "kolom paling sedikit (angka)"),
        "segment.kind.at_most": ("column is at most (number)", "kolom paling banyak (angka)"),
        "segment.kind.between": ("column is between (numbers)", "kolom di antara (angka)"),
        "segment.kind.tag": ("has the tag", "punya tag"),
        "segment.kind.replied_within": ("replied within the last … days", "membalas dalam … hari terakhir"),
        "segment.kind.read_within": ("read within the last … days", "membaca dalam … hari terakhir"),
        "segment.kind.unread_in_last": ("delivered but never read in their last … campaigns", "terkirim tapi tidak pernah dibaca di … kampanye terakhir"),
        "segment.kind.never_delivered": ("never delivered", "tidak pernah sampai"),
        "segment.column": ("column, e.g. city", "kolom, mis. city"),
        "segment.value": ("value", "nilai"),
        "segment.values": ("values, separated by commas", "nilai, dipisah koma"),
        "segment.number": ("number", "angka"),
        "segment.days": ("days", "hari"),
        "segment.campaigns": ("campaigns", "kampanye"),
        "segment.tag": ("tag, e.g. vip", "tag, mis. vip"),
        "segment.and": ("and", "dan"),
        "segment.upper": ("upper number", "angka atas"),
        "segment.remove": ("Remove this condition", "Hapus syarat ini"),
        "segment.noList": ("Add the list to count who matches.", "Tambahkan daftar untuk menghitung yang cocok."),
        "segment.match": ("match the segment", "cocok dengan segmen"),
        "segment.of": ("of", "dari"),
        "segment.optedOut": ("opted out, always left out", "berhenti berlangganan, selalu dikeluarkan"),
        "ab.title": ("A/B test, then send the winner", "Uji A/B, lalu kirim pemenangnya"),
        "ab.enable": ("Send the versions to a sample first, then the better one to everyone else",
                      "Kirim versi-versi ke sampel dulu, lalu yang lebih baik ke semua yang lain"),
        "ab.sample": ("Sample", "Sampel"),
        "ab.metric": ("The better version has more", "Versi yang lebih baik punya lebih banyak"),
        "ab.replied": ("replies", "balasan"),
        "ab.read": ("reads", "dibaca"),
        "ab.wait": ("Wait after the sample", "Tunggu setelah sampel"),
        "ab.unit": ("Unit", "Satuan"),
        "ab.minutes": ("minutes", "menit"),
        "ab.hours": ("hours", "jam"),
        "ab.days": ("days", "hari"),
        "ab.min": ("At least … messages per version", "Paling sedikit … pesan per versi"),
        "ab.fallback": ("When the sample cannot tell", "Bila sampel tidak bisa menentukan"),
        "ab.first": ("send the first version (A)", "kirim versi pertama (A)"),
        "ab.higher": ("send the version with the higher rate", "kirim versi dengan angka lebih tinggi"),
        "ab.hint": ("Needs two or more versions of the message. Empty fields: 20%, replies, 2 hours, 50 per version, version A. Pausing the campaign pauses the wait; a dry-run does not wait.",
                    "Perlu dua versi pesan atau lebih. Kolom kosong: 20%, balasan, 2 jam, 50 per versi, versi A. Menjeda kampanye juga menjeda waktu tunggu; dry-run tidak menunggu."),
    ]
}
