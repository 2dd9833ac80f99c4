public import Store

/// Every word a person reads in report.pdf and report.xlsx, in English or Bahasa Indonesia
/// (`reports.language`). Column names in report.csv stay English: scripts read them.
public struct ReportText: Sendable {
    public let language: ReportsConfiguration.Language

    public init(_ language: ReportsConfiguration.Language) {
        self.language = language
    }

    private func pick(_ en: String, _ id: String) -> String { language == .english ? en : id }

    public var title: String { pick("Campaign report", "Laporan kampanye") }
    public var partial: String { pick("PARTIAL — campaign cancelled", "SEBAGIAN — kampanye dibatalkan") }
    public var partialShort: String { pick("partial", "sebagian") }
    public var period: String { pick("Period", "Periode") }
    public var generated: String { pick("Generated", "Dibuat") }
    public var campaignID: String { pick("Campaign ID", "ID kampanye") }
    public var state: String { pick("State", "Status kampanye") }
    public var timeZone: String { pick("Time zone", "Zona waktu") }
    public var totals: String { pick("Totals", "Ringkasan") }
    public var total: String { pick("Messages", "Pesan") }
    public var sent: String { pick("Sent", "Terkirim") }
    public var delivered: String { pick("Delivered", "Diterima") }
    public var read: String { pick("Read", "Dibaca") }
    public var replied: String { pick("Replied", "Dibalas") }
    public var failed: String { pick("Failed", "Gagal") }
    public var pending: String { pick("Not sent yet", "Belum dikirim") }
    public var rejected: String { pick("Refused numbers", "Nomor ditolak") }
    public var invalidNumbers: String { pick("Invalid numbers", "Nomor tidak valid") }
    public var duplicateNumbers: String { pick("Duplicates", "Nomor ganda") }
    public var optedOutNumbers: String { pick("Opted out", "Minta berhenti") }
    public var unengagedNumbers: String { pick("Held back (unengaged)", "Ditahan (tidak merespons)") }
    public var deliveryRate: String { pick("Delivery rate", "Tingkat terima") }
    public var readRate: String { pick("Read rate", "Tingkat baca") }
    public var replyRate: String { pick("Reply rate", "Tingkat balas") }
    public var ofSent: String { pick("of sent", "dari terkirim") }
    public var statusBreakdown: String { pick("Status of every message", "Status setiap pesan") }
    public var sendsPerHour: String { pick("Messages sent per hour", "Pesan terkirim per jam") }
    public var sendsPerDay: String { pick("Messages sent per day", "Pesan terkirim per hari") }
    public var variantRates: String { pick("Delivered, read and replied per variant", "Diterima, dibaca dan dibalas per varian") }
    public var failureReasons: String { pick("Why messages failed", "Alasan pesan gagal") }
    public var rejectionReasons: String { pick("Why numbers were refused", "Alasan nomor ditolak") }
    public var noFailures: String { pick("No message failed.", "Tidak ada pesan yang gagal.") }
    public var noSends: String { pick("Nothing has been sent yet.", "Belum ada pesan yang terkirim.") }
    public var sample: String { pick("Message sample", "Contoh pesan") }
    public var insights: String { pick("Insights", "Wawasan") }
    public var abTest: String { pick("A/B test: is the difference real?", "Uji A/B: apakah selisihnya nyata?") }
    public var replyRateInterval: String { pick("Reply rate (95% range)", "Tingkat balas (rentang 95%)") }
    public var readRateInterval: String { pick("Read rate (95% range)", "Tingkat baca (rentang 95%)") }
    public var pValueVsBest: String { pick("p vs best (replies)", "p vs terbaik (balasan)") }
    public var readPValueVsBest: String { pick("p vs best (reads)", "p vs terbaik (dibaca)") }
    public var rangeFrom: String { pick("95% range from", "Rentang 95% dari") }
    public var rangeTo: String { pick("95% range to", "Rentang 95% sampai") }
    public var bestMark: String { pick("best", "terbaik") }
    public var abExplanation: String {
        pick("The 95% range is where the true rate most likely lies. p is the chance of a difference at least this large from the best variant if the messages were really equally good (two-sided test, Holm-corrected for several variants); below 5% the difference counts as real. Replies count most: many people turn read receipts off.",
             "Rentang 95% adalah kisaran tempat tingkat sebenarnya kemungkinan besar berada. p adalah peluang munculnya selisih sebesar ini dari varian terbaik seandainya pesan-pesannya sebenarnya sama baik (uji dua sisi, dikoreksi Holm bila variannya lebih dari dua); di bawah 5% selisihnya dianggap nyata. Balasan paling penting: banyak orang mematikan tanda baca.")
    }
    /// A rate with its 95% range: `7,5% (5,3–10,5%)`.
    public func rateWithInterval(_ rate: Double, _ low: Double, _ high: Double) -> String {
        let range = percent(low).dropLast() + "–" + percent(high)
        return "\(percent(rate)) (\(range))"
    }
    /// A p-value as a person reads it: `< 0,001`, else three decimals; `—` for the best variant.
    public func pValue(_ value: Double?) -> String {
        guard let value else { return "—" }
        if value < 0.001 { return pick("< 0.001", "< 0,001") }
        let thousandths = Int((value * 1000).rounded())
        let text = thousandths >= 1000 ? "1" : "0" + pick(".", ",") + String(repeating: "0", count: 3 - String(thousandths).count) + String(thousandths)
        return text
    }
    public var insightsByRules: String { pick("Written by Siaran from the campaign's figures.", "Ditulis oleh Siaran dari angka-angka kampanye.") }
    public func insightsByModel(_ model: String) -> String {
        pick("Worded by \(model) from Siaran's draft; every number was checked against the campaign's figures.",
             "Dirangkai oleh \(model) dari draf Siaran; setiap angka sudah dicocokkan dengan angka kampanye.")
    }
    // The delivery funnel and messages stuck at "sent".
    public var funnel: String { pick("Delivery funnel", "Corong pengiriman") }
    public func funnelStep(_ step: DeliveryFunnel.Step) -> String {
        switch step {
        case .accepted: pick("Accepted", "Masuk daftar kirim")
        case .serverAck: pick("Server ack (sent)", "Diakui server (terkirim)")
        case .delivered: pick("Delivered", "Diterima")
        case .read: pick("Read", "Dibaca")
        case .replied: pick("Replied", "Dibalas")
        }
    }
    public var ofAccepted: String { pick("of accepted", "dari daftar kirim") }
    public var funnelExplanation: String {
        pick("Each step counts the messages that got at least that far, as a share of the accepted ones. Replies can outnumber reads: many people turn read receipts off.",
             "Setiap langkah menghitung pesan yang sampai setidaknya sejauh itu, sebagai bagian dari pesan dalam daftar kirim. Balasan bisa lebih banyak dari yang dibaca: banyak orang mematikan tanda baca.")
    }
    public func stuckAtSent(hours: Int) -> String {
        pick("Stuck at sent: no delivery receipt after \(hours) hours", "Tertahan di terkirim: belum diterima setelah \(hours) jam")
    }
    public var stuckSheet: String { pick("Stuck at sent", "Tertahan") }
    public var noneStuck: String { pick("None: every message the server took older than that reached the phone.",
                                        "Tidak ada: setiap pesan yang diakui server sebelum itu sudah sampai ke ponsel.") }
    public var stuckExplanation: String {
        pick("The WhatsApp server took these messages but no phone confirmed them. Many of them at once is the usual sign that WhatsApp is quietly restricting the number: pause its campaigns, let it rest a few days and check the number in WhatsApp on the phone.",
             "Server WhatsApp sudah menerima pesan-pesan ini tetapi tidak ada ponsel yang mengonfirmasi. Bila banyak sekaligus, biasanya WhatsApp diam-diam membatasi nomor ini: jeda kampanyenya, istirahatkan beberapa hari dan periksa nomornya di WhatsApp pada ponsel.")
    }
    public func stuckMore(_ count: Int) -> String {
        pick("… and \(count) more: the full list is in stuck-at-sent.csv and report.xlsx.",
             "… dan \(count) lagi: daftar lengkap ada di stuck-at-sent.csv dan report.xlsx.")
    }
    public var waitingHours: String { pick("Hours waiting", "Jam menunggu") }
    // send_time: best
    public var sendTime: String { pick("Send time: each contact's best hour", "Waktu kirim: jam terbaik setiap kontak") }
    public var atBestHour: String { pick("At their best hour", "Pada jam terbaiknya") }
    public var inCampaignOrder: String { pick("In list order (no history)", "Urutan daftar (tanpa riwayat)") }
    public func sendTimeLine(_ label: String, _ group: SendTimeComparison.Group) -> String {
        pick("\(label): \(count(group.sent)) sent, \(percent(group.readRate)) read, \(percent(group.replyRate)) replied",
             "\(label): \(count(group.sent)) terkirim, \(percent(group.readRate)) dibaca, \(percent(group.replyRate)) dibalas")
    }
    public var sendTimeNotComparable: String {
        pick("Only one of the two groups has been sent, so there is nothing to compare yet.",
             "Baru satu dari dua kelompok yang terkirim, jadi belum ada yang bisa dibandingkan.")
    }
    public var messages: String { pick("Messages", "Pesan") }
    public var page: String { pick("Page", "Halaman") }
    public var variant: String { pick("Variant", "Varian") }
    public var noVariant: String { pick("(single)", "(tunggal)") }

    // Table and sheet columns.
    public var number: String { "#" }
    public var line: String { pick("Line", "Baris") }
    public var phone: String { pick("Phone", "Nomor") }
    public var name: String { pick("Name", "Nama") }
    public var status: String { pick("Status", "Status") }
    public var reason: String { pick("Reason", "Alasan") }
    public var session: String { pick("Session", "Sesi") }
    public var messageID: String { pick("Message ID", "ID pesan") }
    public var queuedAt: String { pick("Queued", "Diantrekan") }
    public var sentAt: String { pick("Sent", "Terkirim") }
    public var deliveredAt: String { pick("Delivered", "Diterima") }
    public var readAt: String { pick("Read", "Dibaca") }
    public var repliedAt: String { pick("Replied", "Dibalas") }
    public var input: String { pick("Input", "Isi baris") }
    public var summarySheet: String { pick("Summary", "Ringkasan") }
    public var rejectedSheet: String { pick("Rejected", "Ditolak") }
    public var item: String { pick("Item", "Keterangan") }
    public var repliesSheet: String { pick("Replies", "Balasan") }
    public var replies: String { pick("Replies from contacts", "Balasan dari kontak") }
    public var receivedAt: String { pick("Received", "Masuk") }
    public var replyText: String { pick("Text", "Isi pesan") }
    public var answered: String { pick("Answered", "Dijawab") }
    public var yes: String { pick("yes", "ya") }
    public var no: String { pick("no", "belum") }
    public var optOutMark: String { pick("opted out", "minta berhenti") }
    public var noReplies: String { pick("No contact has replied yet.", "Belum ada kontak yang membalas.") }
    public var value: String { pick("Value", "Nilai") }

    /// A message state as staff read it.
    public func status(_ raw: String) -> String {
        switch raw {
        case "pending": pick("pending", "menunggu")
        case "sending": pick("sending", "dikirim")
        case "sent": pick("sent", "terkirim")
        case "delivered": pick("delivered", "diterima")
        case "read": pick("read", "dibaca")
        case "failed": pick("failed", "gagal")
        case "retrying": pick("retrying", "diulang")
        default: raw
        }
    }

    /// A message state starting with a capital, for legends and headings.
    public func statusTitle(_ raw: String) -> String {
        let word = status(raw)
        return word.prefix(1).uppercased() + word.dropFirst()
    }

    /// A refusal or failure reason in plain words (the code itself when it has none).
    public func reason(_ raw: String) -> String {
        ReasonWording.phrase(raw, indonesian: language != .english)
    }

    /// A campaign state as staff read it.
    public func campaignState(_ raw: String) -> String {
        switch raw {
        case "done": pick("finished", "selesai")
        case "cancelled": pick("cancelled", "dibatalkan")
        case "failed": pick("stopped", "dihentikan")
        case "sending": pick("sending", "sedang dikirim")
        case "paused": pick("paused", "dijeda")
        case "scheduled": pick("scheduled", "terjadwal")
        case "waiting-approval": pick("waiting for approval", "menunggu persetujuan")
        default: pick("queued", "antre")
        }
    }

    /// A number with thousands separators in the report's language (1,234 or 1.234).
    public func count(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(language == .english ? "," : ".") }
            out.append(character)
        }
        return value < 0 ? "-" + out : out
    }

    /// A fraction as a percentage with one decimal (12.5% or 12,5%).
    public func percent(_ fraction: Double) -> String {
        let tenths = Int((fraction * 1000).rounded())
        let text = "\(tenths / 10)\(language == .english ? "." : ",")\(tenths % 10)%"
        return text
    }

    private static let englishMonths = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    private static let indonesianMonths = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]

    /// `25 Nov 2025 08:30` (or `25 Des 2025 08:30`).
    public func dateTime(_ t: LocalTimeFormatter.LocalTime) -> String {
        "\(date(t)) \(LocalTimeFormatter.pad(t.hour)):\(LocalTimeFormatter.pad(t.minute))"
    }

    public func date(_ t: LocalTimeFormatter.LocalTime) -> String {
        let months = language == .english ? Self.englishMonths : Self.indonesianMonths
        return "\(t.day) \(months[t.month - 1]) \(t.year)"
    }
}
