import Testing
@testable import Templates

/// The stricter check a drafted text (from a language model) must pass: Siaran's checker plus no
/// opt-out line of its own and WhatsApp formatting only.
@Suite("Template checker: drafted texts")
struct DraftRulesTests {
    func errors(_ text: String, columns: [String] = ["name"], hasMedia: Bool = false) throws -> [TemplateError] {
        let template = try MessageTemplate(variants: [text], file: "draft")
        return MessageRenderer(configuration: .init(), columns: columns).checkDraft(template, hasMedia: hasMedia).errors
    }

    @Test("WhatsApp formatting, lists, emoji, links written out and {name|Kak} pass", arguments: [
        "Halo {name|Kak}! ☕\n\n*Promo akhir pekan*: kopi susu _beli 1 gratis 1_.\n~Rp30.000~ Rp15.000\n\n- berlaku Sabtu\n- di semua cabang\n\nPesan di https://kedai.example/menu",
        "```KODE40``` dipakai saat bayar. Stop by our store on Sunday!",
        "Hi {name|there}, 2-for-1 coffee this weekend. Text us if you have questions.",
    ])
    func passes(_ text: String) throws {
        #expect(try errors(text).isEmpty)
    }

    @Test("Markdown and HTML are refused with the WhatsApp way to write it", arguments: [
        ("Kopi **gratis** hari ini", "one asterisk"),
        ("Kopi __enak__", "one underscore"),
        ("Harga ~~30rb~~ 15rb", "one tilde"),
        ("Halo\n## Promo\nKopi", "Markdown heading"),
        ("Lihat [menu](https://kedai.example)", "Markdown link"),
        ("Promo <b>hari ini</b>", "HTML tags"),
        ("| Menu | Harga |\n|---|---|\n| Kopi | 15rb |", "Markdown table"),
        ("Varian satu\n-----\nVarian dua", "separates A/B variants"),
    ])
    func formatting(_ text: String, hint: String) throws {
        let found = try errors(text)
        #expect(found.contains { $0.code == .unsupportedFormatting && $0.message.contains(hint) }, "\(found)")
    }

    @Test("an opt-out line of its own is refused in either language, also the configured footer itself", arguments: [
        "Promo!\nBalas STOP untuk berhenti menerima pesan.",
        "Promo!\nKetik BERHENTI jika tidak mau dikirimi lagi",
        "Promo!\nReply STOP to opt out",
        "Promo!\nUnsubscribe anytime.",
        "Promo! Kalau tidak ingin menerima promo lagi, kabari kami.",
    ])
    func ownOptOut(_ text: String) throws {
        let found = try errors(text)
        let error = try #require(found.first { $0.code == .ownOptOutLine })
        #expect(error.line == 2 || text.split(separator: "\n").count == 1)
        #expect(error.message.contains("Siaran appends the configured one"))
    }

    @Test("the checker's own rules still apply: unknown variables and the caption limit")
    func baseRules() throws {
        #expect(try errors("Halo {kota}").contains { $0.code == .unknownVariable })
        #expect(try errors(String(repeating: "a", count: 1000), hasMedia: true).contains { $0.code == .tooLong })
        #expect(try errors(String(repeating: "a", count: 1000), hasMedia: false).isEmpty)
    }

    @Test("positions point at the problem")
    func positions() throws {
        let error = try #require(try errors("Halo\nKopi **gratis**").first)
        #expect(error.line == 2 && error.column == 6)
        #expect(error.description.hasPrefix("draft:2:6: "))
    }
}
