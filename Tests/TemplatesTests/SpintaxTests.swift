import Foundation
import Testing
@testable import Templates

@Suite("Spintax and variants")
struct SpintaxTests {
    let renderer = MessageRenderer(configuration: MessageConfiguration(optOutFooterEnabled: false))

    func renderAll(_ text: String, count: Int) throws -> [RenderedMessage] {
        let template = try MessageTemplate(text: text)
        return try (0..<count).map { i in
            try renderer.render(template, for: RenderContext(phone: "62812\(String(format: "%08d", i))", campaignId: "c-42"))
        }
    }

    @Test("every option is reachable and the choice is roughly uniform")
    func distribution() throws {
        let rendered = try renderAll("{Halo|Hai|Selamat pagi}", count: 3000)
        let counts = Dictionary(grouping: rendered.map(\.text), by: { $0 }).mapValues(\.count)
        #expect(Set(counts.keys) == ["Halo", "Hai", "Selamat pagi"])
        for (_, n) in counts { #expect(abs(n - 1000) < 120, "\(counts)") }
    }

    @Test("nested spintax reaches every leaf")
    func nested() throws {
        let rendered = Set(try renderAll("{Halo {Kak|Sobat}|Hai{| semua}}!", count: 400).map(\.text))
        #expect(rendered == ["Halo Kak!", "Halo Sobat!", "Hai!", "Hai semua!"])
    }

    @Test("a fallback can itself be spintax")
    func spunFallback() throws {
        let rendered = Set(try renderAll("Halo {name|Kak|Sobat}", count: 200).map(\.text))
        #expect(rendered == ["Halo Kak", "Halo Sobat"])
    }

    @Test("variants split by --- are assigned deterministically and in balance over 10,000 contacts")
    func variantBalance() throws {
        let rendered = try renderAll("Versi A\n---\nVersi B\n---\nVersi C", count: 10_000)
        let counts = Dictionary(grouping: rendered, by: \.variantName).mapValues(\.count)
        #expect(Set(counts.keys) == ["A", "B", "C"])
        for (_, n) in counts { #expect(abs(Double(n) / 10_000 - 1.0 / 3) < 0.03, "\(counts)") }
        for message in rendered { #expect(message.text == "Versi \(message.variantName)") }
        let again = try renderAll("Versi A\n---\nVersi B\n---\nVersi C", count: 10_000)
        #expect(again == rendered)
    }

    @Test("variant assignment does not depend on the text, only campaign and phone")
    func stableAssignment() {
        let a = VariantAssigner.variantIndex(campaign: "c1", phone: "6281234567890", variantCount: 2)
        #expect(VariantAssigner.variantIndex(campaign: "c1", phone: "6281234567890", variantCount: 2) == a)
        #expect(VariantAssigner.variantIndex(campaign: "c1", phone: "6281234567890", variantCount: 1) == 0)
    }
}
