import Foundation
import Testing
@testable import Templates

@Suite("Rendering")
struct RenderingTests {
    let noFooter = MessageConfiguration(optOutFooterEnabled: false)

    func render(_ text: String, variables: [String: String] = [:], phone: String = "6281234567890",
                columns: [String]? = nil, configuration: MessageConfiguration? = nil) throws -> String {
        let template = try MessageTemplate(text: text)
        let renderer = MessageRenderer(configuration: configuration ?? noFooter, columns: columns ?? Array(variables.keys))
        let context = RenderContext(phone: phone, variables: variables, campaignId: "promo-nov", campaignName: "Promo November",
                                    date: Date(timeIntervalSince1970: 1_795_564_800), timeZone: TimeZone(identifier: "Asia/Jakarta")!)
        return try renderer.render(template, for: context).text
    }

    @Test("variables take the contact's value, case-insensitively, in both brace styles")
    func variables() throws {
        #expect(try render("Halo {name}, kota {city}!", variables: ["Name": "Budi", "City": "Bandung"]) == "Halo Budi, kota Bandung!")
        #expect(try render("Halo {{nama}}!", variables: ["nama": "Siti"]) == "Halo Siti!")
        #expect(try render("Halo {Name}!", variables: ["name": "Ayu"]) == "Halo Ayu!")
    }

    @Test("name and nama stand for each other")
    func nameAlias() throws {
        #expect(try render("Halo {name}!", variables: ["Nama": "Dewi"]) == "Halo Dewi!")
        #expect(try render("Halo {nama}!", variables: ["name": "Dewi"]) == "Halo Dewi!")
    }

    @Test("fallbacks are used when the value is missing or empty")
    func fallbacks() throws {
        #expect(try render("Halo {name|Kak}!", variables: ["name": ""]) == "Halo Kak!")
        #expect(try render("Halo {name|Kak}!", columns: []) == "Halo Kak!")
        #expect(try render("Halo {name|Kak}!", variables: ["name": "Rina"]) == "Halo Rina!")
    }

    @Test("built-ins: phone, campaign, date in Indonesian or English")
    func builtIns() throws {
        #expect(try render("{phone} / {campaign}") == "6281234567890 / Promo November")
        #expect(try render("Berlaku s/d {date}") == "Berlaku s/d 25 November 2026")
        #expect(try render("Berlaku s/d {tanggal}") == "Berlaku s/d 25 November 2026")
        #expect(try render("---\nlanguage: en\n---\nValid until {date}") == "Valid until November 25, 2026")
    }

    @Test("escapes give literal braces and bars")
    func escapes() throws {
        #expect(try render(#"Kode \{PROMO\} a\|b \\ ok"#) == #"Kode {PROMO} a|b \ ok"#)
    }

    @Test("WhatsApp formatting, emoji and non-Latin text pass through untouched")
    func formattingAndUnicode() throws {
        let text = "*Diskon* _besar_ ~harga lama~ ```kode``` 🎉☕ 👨‍👩‍👧 اَلسَّلَامُ 你好 ñ"
        #expect(try render(text) == text)
    }

    @Test("the opt-out footer is appended once, configurable, and per template")
    func footer() throws {
        let on = MessageConfiguration()
        #expect(try render("Promo!", configuration: on) == "Promo!\n\nBalas STOP untuk berhenti menerima pesan.")
        #expect(try render("Promo!\n\nBalas STOP untuk berhenti menerima pesan.", configuration: on) == "Promo!\n\nBalas STOP untuk berhenti menerima pesan.")
        #expect(try render("---\noptout_footer: Ketik BERHENTI untuk berhenti.\n---\nPromo!", configuration: on) == "Promo!\n\nKetik BERHENTI untuk berhenti.")
        #expect(try render("Promo!", configuration: MessageConfiguration(optOutFooterEnabled: false)) == "Promo!")
    }

    @Test("a template cannot turn the footer off by itself")
    func footerNotOffPerTemplate() {
        #expect(throws: TemplateError.self) { try MessageTemplate(text: "---\noptout_footer: false\n---\nPromo") }
    }

    @Test("rendering the same contact twice gives the same text; another contact may differ")
    func deterministic() throws {
        let text = "{Halo|Hai|Selamat pagi|Apa kabar} {Kak|Sobat} {a|b|c|d|e|f|g|h}"
        let first = try render(text, phone: "6281111111111")
        #expect(try render(text, phone: "6281111111111") == first)
        let others = try (0..<50).map { try render(text, phone: "62812000000\($0)") }
        #expect(Set(others).count > 10)
    }
}
