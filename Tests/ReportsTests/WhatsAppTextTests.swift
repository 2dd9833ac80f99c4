import Foundation
import Reports
import Testing

@Suite("WhatsApp formatting: what staff see in previews")
struct WhatsAppTextTests {
    typealias Run = WhatsAppText.Run

    @Test("markers become styles and disappear", arguments: [
        ("Diskon *50%* hari ini", [Run("Diskon "), Run("50%", .bold), Run(" hari ini")]),
        ("_miring_ dan ~coret~", [Run("miring", .italic), Run(" dan "), Run("coret", .strike)]),
        ("kode ```PROMO*50*``` ya", [Run("kode "), Run("PROMO*50*", .mono), Run(" ya")]),
        ("*tebal _dan miring_*", [Run("tebal ", .bold), Run("dan miring", [.bold, .italic])]),
        ("(*Gratis* ongkir!)", [Run("("), Run("Gratis", .bold), Run(" ongkir!)")]),
        ("```baris 1\nbaris 2```", [Run("baris 1\nbaris 2", .mono)]),
    ])
    func formatted(text: String, expected: [Run]) {
        #expect(WhatsAppText.runs(text) == expected)
    }

    @Test("text that only looks like formatting stays as written", arguments: [
        "nama_depan_saja", "2*3*4 = 24", "* bukan tebal *", "*tidak\nditutup*", "a ** b", "harga *50%*off", "~", "```",
        "{Halo|Hai} {name|Kak}", "email_saya@contoh.id",
    ])
    func literal(text: String) {
        #expect(WhatsAppText.runs(text) == [Run(text)])
        #expect(WhatsAppText.plain(text) == text)
    }

    @Test("plain text keeps every character but the markers")
    func plain() {
        #expect(WhatsAppText.plain("Halo *Budi*, diskon _hari ini_ ~100rb~ 50rb! 🎉") == "Halo Budi, diskon hari ini 100rb 50rb! 🎉")
    }
}
