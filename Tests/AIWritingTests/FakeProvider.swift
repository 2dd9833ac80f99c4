import AIWriting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

/// A local server that answers as Anthropic's Messages API or OpenAI's Chat Completions API
/// document it: structured output in each provider's shape (a forced `tool_use` block; JSON text in
/// `choices[0].message.content`), their error bodies and statuses (401, 429 with `retry-after`, 529,
/// 503), answers that come too late, and malformed bodies. It records every request it gets.
final class FakeProvider: Sendable {
    enum Flavour: String, Sendable, CaseIterable, CustomStringConvertible {
        case anthropic, openai
        var description: String { rawValue }
        var provider: AIConfiguration.Provider { self == .anthropic ? .anthropic : .openai }
        var path: String { self == .anthropic ? "/v1/messages" : "/v1/chat/completions" }
    }

    /// One scripted answer.
    indirect enum Answer: Sendable {
        /// 200 with this object as the structured output.
        case object(JSONValue)
        /// An error status with the provider's error body.
        case error(Int, message: String, headers: [String: String] = [:])
        /// 200 whose body is not what the API documents (or whose structured output is not JSON).
        case malformed(String)
        /// The structured output cut short by the token limit.
        case cutShort
        /// Waits, then answers.
        case late(Duration, Answer)

        static func variants(_ texts: [String]) -> Answer {
            .object(["variants": .array(texts.map { ["text": .string($0)] })])
        }

        static func improvements(_ pairs: [(String, [String])]) -> Answer {
            .object(["variants": .array(pairs.map { ["text": .string($0.0), "changes": .array($0.1.map { .string($0) })] })])
        }

        static func paragraph(_ text: String) -> Answer { .object(["text": .string(text)]) }
    }

    struct Hit: Sendable {
        var path: String
        /// Header names in lower case.
        var headers: [String: String]
        var body: JSONValue
        var raw: Data
    }

    let flavour: Flavour
    let hits = Mutex<[Hit]>([])
    let script = Mutex<[Answer]>([])

    init(_ flavour: Flavour, answers: [Answer] = []) {
        self.flavour = flavour
        script.withLock { $0 = answers }
    }

    func enqueue(_ answers: Answer...) { script.withLock { $0 += answers } }

    var requests: [Hit] { hits.withLock { $0 } }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post(RouterPath(flavour.path)) { request, _ -> Response in
            var request = request
            let raw = Data(buffer: try await request.collectBody(upTo: 1 << 22))
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let body = JSONValue.parse(raw) ?? .null
            self.hits.withLock { $0.append(Hit(path: request.uri.path, headers: headers, body: body, raw: raw)) }
            let answer = self.script.withLock { $0.isEmpty ? Answer.error(500, message: "the test script has no answer left") : $0.removeFirst() }
            return try await self.respond(answer, to: body)
        }
        return router
    }

    private func respond(_ answer: Answer, to request: JSONValue) async throws -> Response {
        switch answer {
        case .late(let wait, let then):
            try await Task.sleep(for: wait)
            return try await respond(then, to: request)
        case .object(let object):
            return json(200, success(object, request: request))
        case .cutShort:
            return json(200, flavour == .anthropic
                ? ["id": "msg_cut", "type": "message", "role": "assistant", "model": "fake", "stop_reason": "max_tokens",
                   "content": [["type": "text", "text": "{\"variants\": [{\"text\": \"Halo"]], "usage": ["input_tokens": 10, "output_tokens": 4096]]
                : ["id": "chatcmpl-cut", "object": "chat.completion", "model": "fake",
                   "choices": [["index": 0, "message": ["role": "assistant", "content": "{\"variants\": [{\"text\": \"Halo", "refusal": .null], "finish_reason": "length"]]])
        case .malformed(let text):
            if flavour == .openai {
                // Valid envelope, but the content is not the JSON object asked for.
                return json(200, ["id": "chatcmpl-bad", "object": "chat.completion", "model": "fake",
                                  "choices": [["index": 0, "message": ["role": "assistant", "content": .string(text), "refusal": .null], "finish_reason": "stop"]]])
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
        case .error(let status, let message, let extra):
            let type: String
            switch status {
            case 401: type = flavour == .anthropic ? "authentication_error" : "invalid_request_error"
            case 403: type = "permission_error"
            case 429: type = flavour == .anthropic ? "rate_limit_error" : "requests"
            case 529: type = "overloaded_error"
            default: type = "api_error"
            }
            let body: JSONValue = flavour == .anthropic
                ? ["type": "error", "error": ["type": .string(type), "message": .string(message)]]
                : ["error": ["message": .string(message), "type": .string(type), "param": .null, "code": .null]]
            var response = json(status, body)
            for (name, value) in extra { response.headers[HTTPField.Name(name)!] = value }
            return response
        }
    }

    private func success(_ object: JSONValue, request: JSONValue) -> JSONValue {
        switch flavour {
        case .anthropic:
            let tool = request["tool_choice"]?["name"]?.string ?? "missing"
            return ["id": "msg_01", "type": "message", "role": "assistant", "model": request["model"] ?? "fake",
                    "content": [["type": "tool_use", "id": "toolu_01", "name": .string(tool), "input": object]],
                    "stop_reason": "tool_use", "stop_sequence": .null, "usage": ["input_tokens": 321, "output_tokens": 123]]
        case .openai:
            return ["id": "chatcmpl-01", "object": "chat.completion", "created": 1_764_000_000, "model": request["model"] ?? "fake",
                    "choices": [["index": 0, "message": ["role": "assistant", "content": .string(object.text), "refusal": .null],
                                 "logprobs": .null, "finish_reason": "stop"]],
                    "usage": ["prompt_tokens": 321, "completion_tokens": 123, "total_tokens": 444]]
        }
    }

    private func json(_ status: Int, _ body: JSONValue) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body.data)))
    }

    /// Runs the server on a free port of 127.0.0.1 for the length of `body`.
    func serve<T: Sendable>(_ body: @Sendable (URL) async throws -> T) async throws -> T {
        let app = Application(router: router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        return try await app.test(.live) { client in
            // The test client's own connection is served before the test goes on: a quick test
            // otherwise ended while the server had not yet taken that connection, and a
            // connection taken after the server stopped serving trips a precondition in
            // swift-nio's NIOAsyncWriter that stops the whole test process (swift-nio #3481).
            _ = try await client.execute(uri: "/", method: .get)
            return try await body(URL(string: "http://127.0.0.1:\(try #require(client.port))")!)
        }
    }
}

/// Log lines kept in memory, so a test can read everything that was logged.
final class LogCapture: Sendable {
    let lines = Mutex<[String]>([])

    var logger: Logger {
        var logger = Logger(label: "ai-test") { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
            capture.lines.withLock { $0.append("\(event.level) \(event.message) \(all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))") }
        }
    }
}

/// A key long enough that any piece of it in a log or an error is noticed.
let testKey = "sk-test-4f9a1c2e8b7d6a5f3e2d1c0b9a8f7e6d"

/// Waits recorded instead of slept, so retry tests check the wait without taking it.
final class SleepRecorder: Sendable {
    let waits = Mutex<[Double]>([])
    var sleep: @Sendable (Double) async throws -> Void { { seconds in self.waits.withLock { $0.append(seconds) } } }
    var recorded: [Double] { waits.withLock { $0 } }
}

extension FakeProvider {
    /// A model pointed at this server (a compatible server, so the key comes from SIARAN_AI_API_KEY).
    func model(_ url: URL, key: String? = testKey, timeout: Double = 10, retry: RetryPolicy = RetryPolicy(),
               logger: Logger = Logger(label: "quiet") { _ in SwiftLogNoOpLogHandler() },
               sleep: (@Sendable (Double) async throws -> Void)? = nil) -> any LanguageModel {
        let configuration = AIConfiguration(provider: flavour.provider, model: flavour == .anthropic ? "claude-test" : "gpt-test",
                                            baseURL: url, timeoutSeconds: timeout, maxOutputTokens: 1500)
        let apiKey = key.map { APIKey($0, variable: "SIARAN_AI_API_KEY") }
        let sleeper = sleep ?? { _ in }
        switch flavour {
        case .anthropic: return AnthropicModel(configuration: configuration, key: apiKey, retry: retry, logger: logger, sleep: sleeper)
        case .openai: return OpenAICompatibleModel(configuration: configuration, key: apiKey, retry: retry, logger: logger, sleep: sleeper)
        }
    }
}
