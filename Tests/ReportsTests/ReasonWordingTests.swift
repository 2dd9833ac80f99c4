import Reports
import Testing

@Suite("Reasons in plain words")
struct ReasonWordingTests {
    @Test("every refusal code of rejected.csv and the sender's failure codes have words in both languages")
    func vocabulary() {
        for code in ["empty", "not-a-number", "scientific-notation", "wrong-country", "too-short", "too-long",
                     "not-mobile", "duplicate", "opted-out", "not-on-whatsapp"] {
            let english = ReportText(.english).reason(code), indonesian = ReportText(.indonesian).reason(code)
            // Codes are English words already ("empty", "duplicate"); the Indonesian must differ.
            #expect(!english.isEmpty && !english.contains("-"), "\(code): \(english)")
            #expect(indonesian != code && indonesian != english, "\(code): \(indonesian)")
        }
        #expect(ReportText(.indonesian).reason("not-on-whatsapp") == "tidak memakai WhatsApp")
    }

    @Test("a sender's 'gave up' keeps the server's words and translates what it can; unknown text stays as stored")
    func gaveUp() {
        let stored = "gave up after 3 attempts: server refused the message (error 500)"
        #expect(ReportText(.english).reason(stored) == stored)
        #expect(ReportText(.indonesian).reason(stored) == "menyerah setelah 3 percobaan: server refused the message (error 500)")
        #expect(ReportText(.indonesian).reason("gave up after 2 attempts: not-on-whatsapp") == "menyerah setelah 2 percobaan: tidak memakai WhatsApp")
        #expect(ReportText(.indonesian).reason("gave up after many attempts: x") == "gave up after many attempts: x")
        #expect(ReportText(.indonesian).reason("blocked") == "blocked")
    }
}
