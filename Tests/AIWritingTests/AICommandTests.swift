import AIWriting
import Foundation
import SiaranTestSupport
import Testing

/// `siaran message write` and `siaran message improve` run as operators run them: the real binary,
/// a pipeline.yaml whose `ai:` points at a local provider, the key in the environment.
@Suite("siaran message write / improve", .serialized)
struct AICommandTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var executable: URL {
        var folder = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        while !FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("siaran").path), folder.path != "/" {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("siaran")
    }

    /// A folder with pipeline.yaml (ai: at `url`) and a contact list with a `kota` column.
    struct Workspace {
        let root: URL
        init(flavour: FakeProvider.Flavour, url: URL?, extra: String = "") throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-ai-cli-\(UUID())")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            var yaml = "company:\n  name: Kedai Sinar Jaya\n"
            if let url {
                yaml += "ai:\n  provider: \(flavour.provider.rawValue)\n  model: test-model\n  base_url: \(url.absoluteString)\n  timeout_seconds: 10\n" + extra
            }
            try yaml.write(to: root.appendingPathComponent("pipeline.yaml"), atomically: true, encoding: .utf8)
            try "phone,name,kota\n081211112222,Budi,Bandung\n081333334444,,Surabaya\n".write(to: root.appendingPathComponent("pelanggan.csv"), atomically: true, encoding: .utf8)
        }
        func path(_ name: String) -> String { root.appendingPathComponent(name).path }
        func close() { try? FileManager.default.removeItem(at: root) }
    }

    static func run(_ arguments: [String], in workspace: Workspace, key: String? = testKey) async throws -> ProgramOutput {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIARAN_") && !$0.key.hasSuffix("_API_KEY") }
        if let key { environment["SIARAN_AI_API_KEY"] = key }
        return try await runProgram(executable, arguments + ["-c", workspace.path("pipeline.yaml")], directory: workspace.root, environment: environment)
    }

    @Test("write: variants checked against the contact list, written as a file that `message preview` accepts", arguments: FakeProvider.Flavour.allCases)
    func write(_ flavour: FakeProvider.Flavour) async throws {
        let good = ["Halo {name|Kak}! ☕ *Kopi susu beli 1 gratis 1* di kedai {kota|kami} akhir pekan ini.",
                    "{name|Kak}, Sabtu–Minggu ini beli 1 kopi susu _gratis 1_. Sampai jumpa!"]
        let fake = FakeProvider(flavour, answers: [.variants([good[0], "Promo {member_level} khusus"]), .variants(["Masih {member_level}"])])
        try await fake.serve { url in
            let workspace = try Workspace(flavour: flavour, url: url)
            defer { workspace.close() }
            let written = try await Self.run(["message", "write", "--prompt", "Promo kopi susu beli 1 gratis 1 akhir pekan", "--variants", "2",
                                              "--contacts", "pelanggan.csv", "--out", "message.txt"], in: workspace)
            #expect(written.status == 0, "\(written.errorText)")
            #expect(written.outputText.contains("── variant A ──"))
            #expect(written.outputText.contains("wrote message.txt (1 variant"))
            #expect(written.errorText.contains("note: variant B: dropped: line 1, column 7: {member_level} is not a column"))
            let file = try String(contentsOfFile: workspace.path("message.txt"), encoding: .utf8)
            #expect(file == good[0] + "\n")
            for output in [written.outputText, written.errorText] { #expect(!output.contains(testKey.suffix(10))) }

            let preview = try await runProgram(Self.executable, ["message", "preview", "message.txt", "--contacts", "pelanggan.csv",
                                                                  "-c", workspace.path("pipeline.yaml")], directory: workspace.root)
            #expect(preview.status == 0, "\(preview.errorText)")
            #expect(preview.outputText.contains("Halo Budi!") && preview.outputText.contains("kedai Bandung"))
            #expect(preview.outputText.contains("Balas STOP untuk berhenti menerima pesan."))

            // An existing file is never overwritten by `write`.
            fake.enqueue(.variants(good))
            let again = try await Self.run(["message", "write", "--prompt", "Promo", "--out", "message.txt"], in: workspace)
            #expect(again.status == 2)
            #expect(again.errorText.contains("message.txt already exists"))
            #expect(try String(contentsOfFile: workspace.path("message.txt"), encoding: .utf8) == good[0] + "\n")
        }
        let first = try #require(fake.requests.first)
        let system = flavour == .anthropic ? first.body["system"]?.string : first.body["messages"]?[0]?["content"]?.string
        #expect(system?.contains("{name}, {kota}") == true, "the model was told the contact list's columns")
    }

    @Test("write with --image checks against the caption limit, which the prompt names too")
    func writeImage() async throws {
        let fake = FakeProvider(.openai, answers: [.variants(["Halo {name|Kak}, kopi susu 1+1!"])])
        try await fake.serve { url in
            let workspace = try Workspace(flavour: .openai, url: url)
            defer { workspace.close() }
            let result = try await Self.run(["message", "write", "--prompt", "Promo", "--variants", "1", "--image", "--language", "en", "--tone", "formal"], in: workspace)
            #expect(result.status == 0, "\(result.errorText)")
        }
        let system = try #require(fake.requests.first?.body["messages"]?[0]?["content"]?.string)
        #expect(system.contains("1024") && system.contains("caption"))
        #expect(system.contains("English") && system.contains("polite and formal"))
    }

    @Test("a refused key: exit 1, plain words in English and Indonesian, no trace of the key", arguments: FakeProvider.Flavour.allCases)
    func keyRefused(_ flavour: FakeProvider.Flavour) async throws {
        let fake = FakeProvider(flavour, answers: [.error(401, message: "invalid x-api-key \(testKey)")])
        try await fake.serve { url in
            let workspace = try Workspace(flavour: flavour, url: url)
            defer { workspace.close() }
            let result = try await Self.run(["message", "write", "--prompt", "Promo"], in: workspace)
            #expect(result.status == 1)
            #expect(result.errorText.contains("refused the API key (HTTP 401)"))
            #expect(result.errorText.contains("menolak kunci API"))
            for output in [result.outputText, result.errorText] {
                #expect(!output.contains(testKey) && !output.contains(testKey.prefix(10)) && !output.contains(testKey.suffix(8)))
            }
        }
    }

    @Test("improve: prints the text, what changed and a diff; the file changes only with --write")
    func improve() async throws {
        let original = "Halo {name|Kak}, ada promo kopi susu beli satu gratis satu untuk akhir pekan ini ya, jangan lupa datang.\n"
        let better = "Halo {name|Kak}! ☕ Kopi susu *beli 1 gratis 1* akhir pekan ini."
        let fake = FakeProvider(.anthropic, answers: [.improvements([(better, ["Lebih singkat"])]), .improvements([(better, ["Lebih singkat"])])])
        try await fake.serve { url in
            let workspace = try Workspace(flavour: .anthropic, url: url)
            defer { workspace.close() }
            try original.write(toFile: workspace.path("message.txt"), atomically: true, encoding: .utf8)
            let shown = try await Self.run(["message", "improve", "message.txt", "--goal", "shorter"], in: workspace)
            #expect(shown.status == 0, "\(shown.errorText)")
            #expect(shown.outputText.contains(better))
            #expect(shown.outputText.contains("• Lebih singkat"))
            #expect(shown.outputText.contains("- Halo {name|Kak}, ada promo kopi susu"))
            #expect(shown.outputText.contains("+ \(better)"))
            #expect(shown.outputText.contains("message.txt is unchanged"))
            #expect(try String(contentsOfFile: workspace.path("message.txt"), encoding: .utf8) == original)

            let saved = try await Self.run(["message", "improve", "message.txt", "--goal", "shorter", "--write"], in: workspace)
            #expect(saved.status == 0, "\(saved.errorText)")
            #expect(try String(contentsOfFile: workspace.path("message.txt"), encoding: .utf8) == better + "\n")
        }
        #expect(fake.requests.count == 2)
        #expect(fake.requests[0].body["system"]?.string?.contains("lebih pendek") == true)
    }

    @Test("without ai: in pipeline.yaml the commands say how to turn it on; a bad goal is refused before anything is asked")
    func notConfigured() async throws {
        let workspace = try Workspace(flavour: .anthropic, url: nil)
        defer { workspace.close() }
        let result = try await Self.run(["message", "write", "--prompt", "Promo"], in: workspace)
        #expect(result.status == 2)
        #expect(result.errorText.contains("AI writing is not configured: add an ai: section"))
        try "Halo".write(toFile: workspace.path("m.txt"), atomically: true, encoding: .utf8)
        let goal = try await Self.run(["message", "improve", "m.txt", "--goal", "louder"], in: workspace)
        #expect(goal.status != 0)
        #expect(goal.errorText.contains("--goal must be one of shorter, clearer, friendlier, more-formal"))
    }

    @Test("config check: ai: without its key, a /v1 base_url and an unknown key are errors with their lines")
    func configCheck() async throws {
        let workspace = try Workspace(flavour: .anthropic, url: nil)
        defer { workspace.close() }
        let yaml = "ai:\n  provider: anthropic\n  model: claude-sonnet-4-5\n  tmeout_seconds: 5\n"
        try yaml.write(toFile: workspace.path("ai.yaml"), atomically: true, encoding: .utf8)
        let result = try await runProgram(Self.executable, ["config", "check", workspace.path("ai.yaml")], directory: workspace.root,
                                          environment: ProcessInfo.processInfo.environment.filter { !$0.key.hasSuffix("_API_KEY") && !$0.key.hasPrefix("SIARAN_") })
        #expect(result.status == 1)
        #expect(result.errorText.contains("ai.yaml:2:13: 'ai.provider' is anthropic but ANTHROPIC_API_KEY is not set"), "\(result.errorText)")
        #expect(result.errorText.contains("ai.yaml:4:3: unknown key 'ai.tmeout_seconds'"), "\(result.errorText)")

        try "ai:\n  provider: openai\n  model: llama3\n  base_url: http://127.0.0.1:8000/v1\n".write(toFile: workspace.path("v1.yaml"), atomically: true, encoding: .utf8)
        let v1 = try await runProgram(Self.executable, ["config", "check", workspace.path("v1.yaml")], directory: workspace.root)
        #expect(v1.status == 1)
        #expect(v1.errorText.contains("v1.yaml:4:13: 'ai.base_url' is the server's root without /v1"), "\(v1.errorText)")

        try "ai:\n  provider: openai\n  model: llama3\n  base_url: http://127.0.0.1:8000\n".write(toFile: workspace.path("ok.yaml"), atomically: true, encoding: .utf8)
        let ok = try await runProgram(Self.executable, ["config", "check", workspace.path("ok.yaml")], directory: workspace.root)
        #expect(ok.status == 0, "a self-hosted server needs no key: \(ok.errorText)")
        #expect(ok.outputText.contains(", ai openai llama3 at http://127.0.0.1:8000"), "\(ok.outputText)")
    }
}
