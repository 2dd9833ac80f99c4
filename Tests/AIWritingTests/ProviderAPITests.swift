import AIWriting
import Foundation
import Testing

/// The request builders and answer parsers as pure functions: what goes over the wire, field by
/// field, and how each documented answer is read.
@Suite("AI providers: requests and answers")
struct ProviderAPITests {
    static let request = ModelRequest(
        system: "You write WhatsApp messages.",
        turns: [.init(.user, "Promo kopi susu"), .init(.assistant, "{\"variants\":[]}"), .init(.user, "Try again")],
        output: .variants)

    @Test("Anthropic: POST /v1/messages with x-api-key, anthropic-version and a forced tool for the JSON")
    func anthropicRequest() throws {
        let configuration = AIConfiguration(provider: .anthropic, model: "claude-sonnet-4-5", maxOutputTokens: 900)
        let http = AnthropicAPI.request(Self.request, configuration: configuration, key: APIKey(testKey, variable: "ANTHROPIC_API_KEY"))
        #expect(http.method == "POST")
        #expect(http.url.absoluteString == "https://api.anthropic.com/v1/messages")
        #expect(http.header("x-api-key") == testKey)
        #expect(http.header("anthropic-version") == "2023-06-01")
        #expect(http.header("content-type") == "application/json")
        #expect(http.header("authorization") == nil)
        let body = try #require(JSONValue.parse(http.body))
        #expect(body["model"] == "claude-sonnet-4-5")
        #expect(body["max_tokens"] == 900)
        #expect(body["system"] == "You write WhatsApp messages.")
        let messages = try #require(body["messages"]?.array)
        #expect(messages.map { $0["role"]?.string } == ["user", "assistant", "user"])
        #expect(messages[0]["content"] == "Promo kopi susu")
        let tool = try #require(body["tools"]?[0])
        #expect(tool["name"] == "message_variants")
        #expect(tool["input_schema"] == OutputSchema.variants.schema)
        #expect(tool["description"]?.string?.isEmpty == false)
        #expect(body["tool_choice"] == ["type": "tool", "name": "message_variants"])
        #expect(body.object?.keys.sorted() == ["max_tokens", "messages", "model", "system", "tool_choice", "tools"])
    }

    @Test("OpenAI: POST /v1/chat/completions with a bearer token, the system turn first, a strict json_schema response format")
    func openAIRequest() throws {
        let official = AIConfiguration(provider: .openai, model: "gpt-4o-mini", maxOutputTokens: 700)
        let http = OpenAIAPI.request(Self.request, configuration: official, key: APIKey(testKey, variable: "OPENAI_API_KEY"))
        #expect(http.url.absoluteString == "https://api.openai.com/v1/chat/completions")
        #expect(http.header("authorization") == "Bearer \(testKey)")
        #expect(http.header("x-api-key") == nil)
        let body = try #require(JSONValue.parse(http.body))
        #expect(body["model"] == "gpt-4o-mini")
        #expect(body["max_completion_tokens"] == 700)
        #expect(body["max_tokens"] == nil)
        let messages = try #require(body["messages"]?.array)
        #expect(messages.map { $0["role"]?.string } == ["system", "user", "assistant", "user"])
        #expect(messages[0]["content"] == "You write WhatsApp messages.")
        let format = try #require(body["response_format"])
        #expect(format["type"] == "json_schema")
        #expect(format["json_schema"]?["name"] == "message_variants")
        #expect(format["json_schema"]?["strict"] == true)
        #expect(format["json_schema"]?["schema"] == OutputSchema.variants.schema)

        // A self-hosted server: its root without /v1, `max_tokens`, and no Authorization without a key.
        let local = AIConfiguration(provider: .openai, model: "llama3", baseURL: URL(string: "http://127.0.0.1:8080")!)
        let plain = OpenAIAPI.request(Self.request, configuration: local, key: nil)
        #expect(plain.url.absoluteString == "http://127.0.0.1:8080/v1/chat/completions")
        #expect(plain.header("authorization") == nil)
        let localBody = try #require(JSONValue.parse(plain.body))
        #expect(localBody["max_tokens"] == 2048 && localBody["max_completion_tokens"] == nil)
    }

    @Test("every output schema is strict: each object lists all its properties as required and forbids others")
    func strictSchemas() {
        func check(_ schema: JSONValue, _ path: String) {
            if schema["type"] == "object" {
                let properties = schema["properties"]?.object?.keys.sorted() ?? []
                #expect(schema["required"]?.array?.compactMap(\.string).sorted() == properties, "\(path)")
                #expect(schema["additionalProperties"] == false, "\(path)")
                for (name, property) in schema["properties"]?.object ?? [:] { check(property, path + "." + name) }
            }
            if let items = schema["items"] { check(items, path + "[]") }
        }
        for output in [OutputSchema.variants, .improvements, .paragraph] { check(output.schema, output.name) }
    }

    @Test("Anthropic answers: the tool_use input; a refusal, a cut-off answer and text without the tool are errors")
    func anthropicAnswers() throws {
        func response(_ body: JSONValue) -> HTTPExchange.Response { .init(status: 200, body: body.data) }
        let good: JSONValue = ["type": "message", "stop_reason": "tool_use", "usage": ["input_tokens": 5, "output_tokens": 7],
                               "content": [["type": "text", "text": "Here you go"],
                                           ["type": "tool_use", "id": "t1", "name": "message_variants", "input": ["variants": [["text": "Halo"]]]]]]
        let reply = try AnthropicAPI.parse(response(good), expecting: .variants, provider: "anthropic")
        #expect(reply.object == ["variants": [["text": "Halo"]]])
        #expect(reply.outputTokens == 7)
        func code(_ body: JSONValue) -> AIError.Code? {
            do { _ = try AnthropicAPI.parse(response(body), expecting: .variants, provider: "anthropic"); return nil } catch { return error.code }
        }
        #expect(code(["type": "message", "stop_reason": "refusal", "content": []]) == .declined)
        #expect(code(["type": "message", "stop_reason": "max_tokens", "content": [["type": "text", "text": "{"]]]) == .answerCutShort)
        #expect(code(["type": "message", "stop_reason": "end_turn", "content": [["type": "text", "text": "{\"variants\":[]}"]]]) == .malformedAnswer)
        #expect(code(["type": "message", "stop_reason": "tool_use",
                      "content": [["type": "tool_use", "id": "t", "name": "another_tool", "input": [:]]]]) == .malformedAnswer)
        #expect(throws: AIError.self) { try AnthropicAPI.parse(.init(status: 200, body: Data("not json".utf8)), expecting: .variants, provider: "anthropic") }
    }

    @Test("OpenAI answers: JSON in the first choice (also inside a code fence); refusal, length and prose are errors")
    func openAIAnswers() throws {
        func response(content: JSONValue, finish: String = "stop", refusal: JSONValue = .null) -> HTTPExchange.Response {
            .init(status: 200, body: JSONValue.object(["choices": [["index": 0, "message": ["role": "assistant", "content": content, "refusal": refusal], "finish_reason": .string(finish)]]]).data)
        }
        #expect(try OpenAIAPI.parse(response(content: "{\"text\": \"Halo\"}"), provider: "openai").object == ["text": "Halo"])
        #expect(try OpenAIAPI.parse(response(content: "```json\n{\"text\": \"Halo\"}\n```"), provider: "openai").object == ["text": "Halo"])
        func code(_ r: HTTPExchange.Response) -> AIError.Code? {
            do { _ = try OpenAIAPI.parse(r, provider: "openai"); return nil } catch { return error.code }
        }
        #expect(code(response(content: .null, refusal: "I can't help with that")) == .declined)
        #expect(code(response(content: "{\"text\": \"Ha", finish: "length")) == .answerCutShort)
        #expect(code(response(content: "Sure! Here is your message: Halo")) == .malformedAnswer)
        #expect(code(.init(status: 200, body: Data("{\"choices\": []}".utf8))) == .malformedAnswer)
    }

    @Test("error bodies become plain words; a refused key's message is not repeated, other messages lose anything key-like")
    func errors() {
        let key = APIKey(testKey, variable: "OPENAI_API_KEY")
        let refused = OpenAIAPI.error(.init(status: 401, body: Data(#"{"error":{"message":"Incorrect API key provided: sk-test-4f9a********7e6d.","type":"invalid_request_error"}}"#.utf8)),
                                      provider: "openai", key: key)
        #expect(refused.code == .keyRefused(status: 401))
        #expect(refused.detail == nil)
        #expect(refused.english.contains("refused the API key"))
        #expect(refused.indonesian.contains("menolak kunci API"))
        let echoed = AnthropicAPI.error(.init(status: 400, body: Data(#"{"type":"error","error":{"type":"invalid_request_error","message":"model x not found for key \#(testKey)"}}"#.utf8)),
                                        provider: "anthropic", key: key)
        #expect(echoed.code == .requestRefused(status: 400))
        #expect(!echoed.description.contains(testKey) && !echoed.description.contains("4f9a1c2e"))
        #expect(echoed.description.contains("model x not found"))
        let overloaded = AnthropicAPI.error(.init(status: 529, body: Data(#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#.utf8)),
                                            provider: "anthropic", key: key)
        #expect(overloaded.code == .overloaded(status: 529))
        let limited = AnthropicAPI.error(.init(status: 429, headers: [.init("retry-after", "40")], body: Data()), provider: "anthropic", key: key)
        #expect(limited.code == .rateLimited(retryAfterSeconds: 40))
        #expect(limited.english.contains("try again in 40 s"))
        #expect(limited.indonesian.contains("40 detik"))
    }

    @Test("retries follow retry-after (seconds or a date), else back off 1, 2 s; never beyond the attempts or the longest wait")
    func retryPolicy() {
        let policy = RetryPolicy(maxAttempts: 3, baseDelaySeconds: 1, maxWaitSeconds: 30)
        #expect(policy.delay(after: 1, status: 429, retryAfter: "7") == 7)
        let now = Date(timeIntervalSince1970: 1_764_000_000)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        #expect(policy.delay(after: 1, status: 429, retryAfter: formatter.string(from: now.addingTimeInterval(12)), now: now) == 12)
        #expect(policy.delay(after: 1, status: 529, retryAfter: nil) == 1)
        #expect(policy.delay(after: 2, status: 503, retryAfter: nil) == 2)
        #expect(policy.delay(after: 3, status: 503, retryAfter: nil) == nil)
        #expect(policy.delay(after: 1, status: 429, retryAfter: "120") == nil)
        for status in [400, 401, 403, 404, 501] { #expect(policy.delay(after: 1, status: status, retryAfter: "1") == nil) }
    }

    @Test("a key prints redacted, and its pieces are taken out of any text")
    func keyRedaction() {
        let key = APIKey(testKey, variable: "ANTHROPIC_API_KEY")
        #expect("\(key)" == "APIKey(ANTHROPIC_API_KEY, redacted)")
        #expect(String(reflecting: key) == "APIKey(ANTHROPIC_API_KEY, redacted)")
        #expect(!key.redact("key \(testKey) and its end 9a8f7e6d and start sk-test-4f9a").contains("9a8f7e6d"))
        #expect(!key.redact("start sk-test-4f9a1c").contains("sk-test-4f9a1c"))
    }

    @Test("a vendor's key only goes to that vendor: a compatible server gets SIARAN_AI_API_KEY alone")
    func keyVariables() {
        let environment = ["ANTHROPIC_API_KEY": "a-key", "OPENAI_API_KEY": "o-key", "SIARAN_AI_API_KEY": "s-key"]
        #expect(AIConfiguration(provider: .anthropic, model: "m").key(from: environment)?.secret == "a-key")
        #expect(AIConfiguration(provider: .openai, model: "m").key(from: environment)?.secret == "o-key")
        let compatible = AIConfiguration(provider: .openai, model: "m", baseURL: URL(string: "http://10.1.2.3:8000")!)
        #expect(compatible.key(from: environment)?.secret == "s-key")
        #expect(compatible.key(from: ["OPENAI_API_KEY": "o-key"]) == nil)
        #expect(!compatible.requiresKey)
        #expect(AIConfiguration(provider: .openai, model: "m", baseURL: URL(string: "https://api.openai.com")!).usesOfficialServer)
    }

    @Test("a line diff shows what was removed and added, in order")
    func diff() {
        let lines = TextDiff.lines(from: "Halo Kak!\nPromo hari ini.\nSampai jumpa", to: "Halo Kak!\nPromo *hari ini*.\nSampai jumpa\nSalam")
        #expect(lines.map(\.description) == ["  Halo Kak!", "- Promo hari ini.", "+ Promo *hari ini*.", "  Sampai jumpa", "+ Salam"])
    }
}
