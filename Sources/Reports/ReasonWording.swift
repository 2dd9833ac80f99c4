/// Plain words for the reason codes staff meet in reports and on the dashboard: why a number was
/// refused (`rejected.csv`'s fixed vocabulary) and why a message failed. report.csv and
/// summary.json keep the codes, because scripts read them; people read these.
public enum ReasonWording {
    /// English and Indonesian for each code, shared by report.pdf, report.xlsx and the dashboard.
    public static let phrases: [String: (english: String, indonesian: String)] = [
        // Refused numbers (Contacts' RejectionReason).
        "empty": ("empty", "kosong"),
        "not-a-number": ("not a number", "bukan nomor"),
        "scientific-notation": ("spoiled by Excel (6.28E+11)", "rusak oleh Excel (6.28E+11)"),
        "wrong-country": ("wrong country", "negara salah"),
        "too-short": ("too short", "terlalu pendek"),
        "too-long": ("too long", "terlalu panjang"),
        "not-mobile": ("not a mobile number", "bukan nomor seluler"),
        "duplicate": ("duplicate", "duplikat"),
        "opted-out": ("opted out", "berhenti langganan"),
        "unengaged": ("held back: never read or replied to their last campaigns", "ditahan: tidak pernah membaca atau membalas kampanye terakhir"),
        // Failed messages (the sender and the WhatsApp client).
        "not-on-whatsapp": ("not on WhatsApp", "tidak memakai WhatsApp"),
        // Ack 463, or waiting while every number is restricted: WhatsApp's reach-out limit.
        "restricted": ("the number is temporarily restricted from starting new chats", "nomor pengirim sementara dibatasi untuk memulai chat baru"),
        "unknown": ("unknown", "tidak diketahui"),
    ]

    /// The words for `code` in English or Indonesian. A sender's "gave up after N attempts: …"
    /// gets its prefix translated and keeps the server's own words after it; anything else is
    /// shown as it was stored, so no detail is hidden.
    public static func phrase(_ code: String, indonesian: Bool) -> String {
        if let entry = phrases[code] { return indonesian ? entry.indonesian : entry.english }
        if let attempts = GaveUp(code) {
            let detail = phrase(attempts.detail, indonesian: indonesian)
            return indonesian ? "menyerah setelah \(attempts.count) percobaan: \(detail)" : "gave up after \(attempts.count) attempts: \(detail)"
        }
        return code
    }

    /// "gave up after 3 attempts: server refused the message (error 500)", as `CampaignSender` writes it.
    private struct GaveUp {
        let count: Int
        let detail: String

        init?(_ text: String) {
            let prefix = "gave up after "
            guard text.hasPrefix(prefix), let separator = text.range(of: " attempts: ") else { return nil }
            guard let count = Int(text[text.index(text.startIndex, offsetBy: prefix.count)..<separator.lowerBound]) else { return nil }
            self.count = count
            detail = String(text[separator.upperBound...])
        }
    }
}
