import AIWriting
import Foundation
import Templates
import Testing

/// Writing and improving through a local provider: every variant passes the template checker
/// before anyone sees it; a failing one goes back once with the checker's words, then is dropped.
@Suite("AI writing: drafts pass the template checker")
struct MessageWriterTests {
    static let settings = MessageWriter.Settings(company: "Kedai Sinar Jaya")
    static let contacts = MessageWriter.Audience(columns: ["name", "kota"], longestValues: ["name": 20, "kota": 12])

    @Test("three good variants are shown as they came; the prompt tells the model the rules", arguments: FakeProvider.Flavour.allCases)
    func write(_ flavour: FakeProvider.Flavour) async throws {
        let texts = ["Halo {name|Kak}! ☕ *Kopi susu beli 1 gratis 1* akhir pekan ini.",
                     "{name|Kak}, akhir pekan ini kopi susu _beli 1 gratis 1_ di kedai {kota|kami}.",
                     "Sabtu–Minggu: beli 1 kopi susu, gratis 1. Sampai jumpa, {name|Kak}!"]
        let fake = FakeProvider(flavour, answers: [.variants(texts)])
        let draft = try await fake.serve { url in
            try await MessageWriter(model: fake.model(url), settings: Self.settings)
                .write(prompt: "Promo kopi susu beli 1 gratis 1 akhir pekan", count: 3, language: .indonesian, tone: .santai, audience: Self.contacts)
        }
        #expect(draft.variants == texts)
        #expect(draft.notes.isEmpty)
        #expect(draft.fileText == texts.joined(separator: "\n---\n") + "\n")
        let hit = try #require(fake.requests.first)
        let system = flavour == .anthropic ? hit.body["system"]?.string : hit.body["messages"]?[0]?["content"]?.string
        let prompt = try #require(system)
        for expected in ["Kedai Sinar Jaya", "3 varian", "Bahasa Indonesia", "{name}, {kota}", "4096", "Balas STOP untuk berhenti menerima pesan.",
                         "UU No. 8 Tahun 1999", "*tebal*"] {
            #expect(prompt.contains(expected), "the system prompt lacks \(expected)")
        }
        #expect(!prompt.contains("{{"), "every mark is filled in")
        let user = flavour == .anthropic ? hit.body["messages"]?[0]?["content"] : hit.body["messages"]?[1]?["content"]
        #expect(user == "Promo kopi susu beli 1 gratis 1 akhir pekan")
    }

    @Test("a variant too long for a caption goes back once with the checker's words; the shorter one is kept", arguments: FakeProvider.Flavour.allCases)
    func tooLongIsFixed(_ flavour: FakeProvider.Flavour) async throws {
        let long = "Halo {name|Kak}! " + String(repeating: "Kopi susu gula aren paling enak se-kota. ", count: 30)
        let fake = FakeProvider(flavour, answers: [.variants(["Halo {name|Kak}, kopi susu beli 1 gratis 1!", long]),
                                                   .variants(["{name|Kak}, beli 1 gratis 1 kopi susu akhir pekan ini."])])
        let draft = try await fake.serve { url in
            try await MessageWriter(model: fake.model(url), settings: Self.settings)
                .write(prompt: "Promo", count: 2, audience: .init(columns: ["name"], hasMedia: true))
        }
        #expect(draft.variants == ["Halo {name|Kak}, kopi susu beli 1 gratis 1!", "{name|Kak}, beli 1 gratis 1 kopi susu akhir pekan ini."])
        #expect(draft.notes.isEmpty)
        #expect(fake.requests.count == 2)
        let second = try #require(fake.requests.last?.body["messages"]?.array)
        // The model sees its own answer and the checker's words about variant 2.
        let assistant = try #require(second.first { $0["role"] == "assistant" }?["content"]?.string)
        #expect(JSONValue.parse(assistant)?["variants"]?[1]?["text"]?.string == long)
        let fix = try #require(second.last?["content"]?.string)
        #expect(fix.contains("Varian 2"))
        #expect(fix.contains("over WhatsApp's 1024-character caption limit"))
        #expect(!fix.contains("Varian 1"))
    }

    @Test("a made-up variable that is still there after the second try is dropped with the checker's note", arguments: FakeProvider.Flavour.allCases)
    func madeUpVariableIsDropped(_ flavour: FakeProvider.Flavour) async throws {
        let fake = FakeProvider(flavour, answers: [.variants(["Halo {name|Kak}!", "Promo khusus {tanggal_lahir} untukmu"]),
                                                   .variants(["Promo khusus ulang tahun {tanggal_lahir}"])])
        let draft = try await fake.serve { url in
            try await MessageWriter(model: fake.model(url), settings: Self.settings).write(prompt: "Promo", count: 2, audience: Self.contacts)
        }
        #expect(draft.variants == ["Halo {name|Kak}!"])
        let note = try #require(draft.notes.first)
        #expect(note.variant == 2)
        #expect(note.description.hasPrefix("variant B: dropped: "))
        #expect(note.message.contains("{tanggal_lahir} is not a column of the contact list"))
        #expect(note.message.contains("columns: kota, name"))
    }

    @Test("an opt-out line of its own and Markdown are refused; when nothing passes, the writer says so", arguments: FakeProvider.Flavour.allCases)
    func nothingPasses(_ flavour: FakeProvider.Flavour) async throws {
        let fake = FakeProvider(flavour, answers: [.variants(["# PROMO\nKopi **gratis**", "Halo!\nBalas STOP jika tidak ingin menerima pesan lagi."]),
                                                   .variants(["## Promo", "Reply STOP to unsubscribe"])])
        let error = try await fake.serve { url in
            await #expect(throws: AIError.self) { try await MessageWriter(model: fake.model(url), settings: Self.settings).write(prompt: "Promo", count: 2) }
        }
        #expect(error?.code == .nothingPassed)
        let fix = try #require(fake.requests.last?.body["messages"]?.array?.last?["content"]?.string)
        #expect(fix.contains("Markdown heading"))
        #expect(fix.contains("opt-out line of its own"))
    }

    @Test("improving keeps the front matter, shows a diff and what changed; the file text is the improved one", arguments: FakeProvider.Flavour.allCases)
    func improve(_ flavour: FakeProvider.Flavour) async throws {
        let original = "---\nname: promo\nlanguage: id\n---\nHalo {name|Kak}, ada promo kopi susu beli satu gratis satu untuk akhir pekan ini ya.\n---\nPromo {name|Kak}!\n"
        let fake = FakeProvider(flavour, answers: [.improvements([
            ("Halo {name|Kak}! ☕ Kopi susu *beli 1 gratis 1* akhir pekan ini.", ["Lebih singkat", "Menebalkan promo"]),
            ("Promo akhir pekan, {name|Kak}!", ["Menyebut kapan promonya"]),
        ])])
        let improvement = try await fake.serve { url in
            try await MessageWriter(model: fake.model(url), settings: Self.settings).improve(original, file: "message.txt", goal: .shorter, language: .indonesian)
        }
        #expect(improvement.text == "---\nname: promo\nlanguage: id\n---\nHalo {name|Kak}! ☕ Kopi susu *beli 1 gratis 1* akhir pekan ini.\n---\nPromo akhir pekan, {name|Kak}!\n")
        #expect(improvement.variants.map(\.changes) == [["Lebih singkat", "Menebalkan promo"], ["Menyebut kapan promonya"]])
        #expect(improvement.diff.contains(.init(.removed, "Halo {name|Kak}, ada promo kopi susu beli satu gratis satu untuk akhir pekan ini ya.")))
        #expect(improvement.diff.contains(.init(.added, "Promo akhir pekan, {name|Kak}!")))
        #expect(improvement.diff.first == .init(.same, "---"))
        let user = flavour == .anthropic ? fake.requests[0].body["messages"]?[0]?["content"] : fake.requests[0].body["messages"]?[1]?["content"]
        #expect(user?.string == "Halo {name|Kak}, ada promo kopi susu beli satu gratis satu untuk akhir pekan ini ya.\n===\nPromo {name|Kak}!")
        #expect(try MessageTemplate(text: improvement.text).variants.count == 2)
    }

    @Test("an improvement that keeps failing the checks leaves that variant as it was, with a note")
    func improveKeepsOriginal() async throws {
        let fake = FakeProvider(.openai, answers: [.improvements([("Halo {name|Kak}! Kopi enak.", ["ok"]), ("**Promo**", ["bold"])]),
                                                   .improvements([("__Promo__", ["italic"])])])
        let improvement = try await fake.serve { url in
            try await MessageWriter(model: fake.model(url), settings: Self.settings).improve("Halo {name|Kak}, kopi.\n---\nPromo!", goal: .friendlier)
        }
        #expect(improvement.variants.map(\.improved) == [true, false])
        #expect(improvement.variants[1].after == "Promo!")
        #expect(improvement.notes.first?.description.contains("variant B: kept as it was") == true)
    }

    @Test("a message that does not parse is reported with its line before anything is asked")
    func improveBrokenFile() async throws {
        let fake = FakeProvider(.anthropic)
        await #expect(throws: TemplateError.self) {
            try await fake.serve { url in
                try await MessageWriter(model: fake.model(url), settings: Self.settings).improve("Halo {name", file: "message.txt", goal: .clearer)
            }
        }
        #expect(fake.requests.isEmpty)
    }

    @Test("the prompt files in prompts/ are the copies built into the binary (scripts/embed-prompts)")
    func promptsMatchBuiltIn() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.appendingPathComponent("prompts")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".md") }.sorted()
        #expect(files == PromptLibrary.builtInFiles.keys.sorted())
        for kind in PromptLibrary.Kind.allCases {
            for language in PromptLibrary.Language.allCases {
                let name = PromptLibrary.fileName(kind, language)
                let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
                #expect(text.trimmingCharacters(in: .newlines) == PromptLibrary.builtIn(kind, language), "\(name) differs from the built-in copy: run scripts/embed-prompts")
            }
        }
        // A file in the configured folder wins over the built-in copy.
        let custom = FileManager.default.temporaryDirectory.appendingPathComponent("prompts-\(UUID())")
        try FileManager.default.createDirectory(at: custom, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: custom) }
        try "Tulis untuk {{company}}.".write(to: custom.appendingPathComponent("write.id.md"), atomically: true, encoding: .utf8)
        #expect(PromptLibrary(folder: custom.path).render(.write, .indonesian, ["company": "Toko"]) == "Tulis untuk Toko.")
        #expect(PromptLibrary(folder: custom.path).text(.write, .english) == PromptLibrary.builtIn(.write, .english))
    }
}
