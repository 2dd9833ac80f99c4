import AIWriting
import Foundation
import Logging
import SiaranTestSupport
import Testing

/// Both providers against local servers that answer as each documents: what arrives at the
/// server, each status the issue names, timeouts, no network, malformed answers — and no key in
/// any error or log line.
@Suite("AI providers against local servers")
struct ProviderServerTests {
    static let ask = ModelRequest(system: "sys", turns: [.init(.user, "Promo kopi")], output: .variants)

    @Test("a structured answer arrives; the server got the documented headers and body", arguments: FakeProvider.Flavour.allCases)
    func success(_ flavour: FakeProvider.Flavour) async throws {
        let fake = FakeProvider(flavour, answers: [.variants(["Halo {name|Kak}!"])])
        let logs = LogCapture()
        let reply = try await fake.serve { url in try await fake.model(url, logger: logs.logger).answer(Self.ask) }
        #expect(reply.object == ["variants": [["text": "Halo {name|Kak}!"]]])
        let hit = try #require(fake.requests.first)
        #expect(hit.path == flavour.path)
        #expect(hit.headers["content-type"] == "application/json")
        switch flavour {
        case .anthropic:
            #expect(hit.headers["x-api-key"] == testKey)
            #expect(hit.headers["anthropic-version"] == "2023-06-01")
            #expect(hit.body["model"] == "claude-test" && hit.body["max_tokens"] == 1500 && hit.body["system"] == "sys")
            #expect(hit.body["tool_choice"] == ["type": "tool", "name": "message_variants"])
        case .openai:
            #expect(hit.headers["authorization"] == "Bearer \(testKey)")
            #expect(hit.body["model"] == "gpt-test" && hit.body["max_tokens"] == 1500)
            #expect(hit.body["response_format"]?["type"] == "json_schema")
            #expect(hit.body["messages"]?[0]?["role"] == "system")
        }
        #expect(logs.text.contains("language model answered"))
        #expect(!logs.text.contains(testKey) && !logs.text.contains("Promo kopi"), "no key or prompt in the log")
    }

    @Test("401: the key is refused, in plain words, without the key (which the provider echoed)", arguments: FakeProvider.Flavour.allCases)
    func keyRefused(_ flavour: FakeProvider.Flavour) async throws {
        let fake = FakeProvider(flavour, answers: [.error(401, message: "Incorrect API key provided: \(testKey.prefix(12))****\(testKey.suffix(4))")])
        let logs = LogCapture()
        let error = try await fake.serve { url in
            await #expect(throws: AIError.self) { try await fake.model(url, logger: logs.logger).answer(Self.ask) }
        }
        let failure = try #require(error)
        #expect(failure.code == .keyRefused(status: 401))
        for text in [failure.english, failure.indonesian, "\(failure)", String(reflecting: failure), logs.text] {
            #expect(!text.contains(testKey) && !text.contains(testKey.prefix(12)) && !text.contains(String(testKey.suffix(8))), "\(text)")
        }
        #expect(fake.requests.count == 1, "a refused key is not retried")
    }

    @Test("429: retried after the wait retry-after names, then answered", arguments: FakeProvider.Flavour.allCases)
    func rateLimitedThenAnswered(_ flavour: FakeProvider.Flavour) async throws {
        let fake = FakeProvider(flavour, answers: [.error(429, message: "rate limited", headers: ["retry-after": "7"]),
                                                   .error(429, message: "rate limited", headers: ["retry-after": "3"]), .variants(["Halo"])])
        let sleeps = SleepRecorder()
        let reply = try await fake.serve { url in try await fake.model(url, sleep: sleeps.sleep).answer(Self.ask) }
        #expect(reply.object["variants"]?[0]?["text"] == "Halo")
        #expect(sleeps.recorded == [7, 3])
        #expect(fake.requests.count == 3)
    }

    @Test("429 with a real one-second retry-after: the second attempt comes after the wait")
    func rateLimitedRealWait() async throws {
        let fake = FakeProvider(.anthropic, answers: [.error(429, message: "slow down", headers: ["retry-after": "1"]), .variants(["Halo"])])
        let started = ContinuousClock.now
        let model: any LanguageModel = try await fake.serve { url in
            let configuration = AIConfiguration(provider: .anthropic, model: "claude-test", baseURL: url, timeoutSeconds: 10)
            let model = AnthropicModel(configuration: configuration, key: APIKey(testKey, variable: "SIARAN_AI_API_KEY"),
                                       logger: Logger(label: "quiet") { _ in SwiftLogNoOpLogHandler() })
            _ = try await model.answer(Self.ask)
            return model
        }
        #expect(ContinuousClock.now - started >= .seconds(1))
        #expect(fake.requests.count == 2)
        #expect(model.summary.contains("claude-test"))
    }

    @Test("429 past the attempts, or with a wait longer than Siaran sits through, is reported with the wait", arguments: FakeProvider.Flavour.allCases)
    func rateLimitedGivesUp(_ flavour: FakeProvider.Flavour) async throws {
        let fake = FakeProvider(flavour, answers: [.error(429, message: "quota", headers: ["retry-after": "600"])])
        let error = try await fake.serve { url in
            await #expect(throws: AIError.self) { try await fake.model(url).answer(Self.ask) }
        }
        #expect(error?.code == .rateLimited(retryAfterSeconds: 600))
        #expect(error?.english.contains("rate limiting") == true)
        #expect(fake.requests.count == 1)
    }

    @Test("529 and 503: retried with backoff, then reported as overloaded", arguments: FakeProvider.Flavour.allCases)
    func overloaded(_ flavour: FakeProvider.Flavour) async throws {
        let status = flavour == .anthropic ? 529 : 503
        let fake = FakeProvider(flavour, answers: Array(repeating: .error(status, message: "Overloaded"), count: 3))
        let sleeps = SleepRecorder()
        let error = try await fake.serve { url in
            await #expect(throws: AIError.self) { try await fake.model(url, sleep: sleeps.sleep).answer(Self.ask) }
        }
        #expect(error?.code == .overloaded(status: status))
        #expect(error?.english.contains("overloaded") == true)
        #expect(sleeps.recorded == [1, 2])
        #expect(fake.requests.count == 3)
    }

    @Test("an answer later than timeout_seconds is a timeout", arguments: FakeProvider.Flavour.allCases)
    func timeout(_ flavour: FakeProvider.Flavour) async throws {
        let fake = FakeProvider(flavour, answers: [.late(.seconds(4), .variants(["too late"]))])
        let error = try await fake.serve { url in
            await #expect(throws: AIError.self) { try await fake.model(url, timeout: 1).answer(Self.ask) }
        }
        #expect(error?.code == .timeout(seconds: 1))
        #expect(error?.english.contains("did not answer within 1 s") == true)
        // No wall-clock bound: on a loaded two-core machine the fake server's start and stop took
        // 40 s once; the error's code says that the 1 s limit is what ended the wait.
    }

    @Test("nobody listening: no network, in plain words")
    func noNetwork() async throws {
        // A port that was free a moment ago: bind, read the port, close.
        let port = try freePort()
        let configuration = AIConfiguration(provider: .openai, model: "m", baseURL: URL(string: "http://127.0.0.1:\(port)")!, timeoutSeconds: 5)
        let model = OpenAICompatibleModel(configuration: configuration, key: nil, logger: Logger(label: "q") { _ in SwiftLogNoOpLogHandler() })
        let error = await #expect(throws: AIError.self) { try await model.answer(Self.ask) }
        #expect(error?.code == .noNetwork)
        #expect(error?.english.contains("cannot reach") == true)
        #expect(error?.indonesian.contains("tidak bisa menghubungi") == true)
    }

    @Test("a malformed answer is asked for once more; twice malformed is reported", arguments: FakeProvider.Flavour.allCases)
    func malformed(_ flavour: FakeProvider.Flavour) async throws {
        let writer: @Sendable (any LanguageModel) -> MessageWriter = { MessageWriter(model: $0, settings: .init()) }
        let once = FakeProvider(flavour, answers: [.malformed("{\"variants\": [{\"text\": \"Halo"), .variants(["Halo {name|Kak}, kopi susu beli 1 gratis 1!"])])
        let draft = try await once.serve { url in try await writer(once.model(url)).write(prompt: "Promo", count: 1) }
        #expect(draft.variants == ["Halo {name|Kak}, kopi susu beli 1 gratis 1!"])
        #expect(once.requests.count == 2)

        let twice = FakeProvider(flavour, answers: [.malformed("not json at all"), .object(["wrong": "shape"])])
        let error = try await twice.serve { url in
            await #expect(throws: AIError.self) { try await writer(twice.model(url)).write(prompt: "Promo", count: 1) }
        }
        #expect(error?.code == .malformedAnswer)
        #expect(twice.requests.count == 2)
    }

    @Test("an answer cut at max_output_tokens says so", arguments: FakeProvider.Flavour.allCases)
    func cutShort(_ flavour: FakeProvider.Flavour) async throws {
        let fake = FakeProvider(flavour, answers: [.cutShort])
        let error = try await fake.serve { url in
            await #expect(throws: AIError.self) { try await fake.model(url).answer(Self.ask) }
        }
        #expect(error?.code == .answerCutShort)
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on (bound, then closed).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
    guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}
