public import Foundation

/// OpenAI's Chat Completions API as pure functions, for OpenAI and for the servers that speak it
/// (llama.cpp, vLLM, Ollama, routers). Structured output is asked for with
/// `response_format: {"type": "json_schema", "json_schema": {name, schema, strict: true}}`; the
/// answer is the JSON text in `choices[0].message.content`.
public enum OpenAIAPI {
    public static func request(_ request: ModelRequest, configuration: AIConfiguration, key: APIKey?) -> HTTPExchange.Request {
        var messages: [JSONValue] = [["role": "system", "content": .string(request.system)]]
        messages += request.turns.map { ["role": .string($0.role.rawValue), "content": .string($0.text)] }
        var body: [String: JSONValue] = [
            "model": .string(configuration.model),
            "messages": .array(messages),
            "response_format": [
                "type": "json_schema",
                "json_schema": [
                    "name": .string(request.output.name),
                    "description": .string(request.output.description),
                    "schema": request.output.schema,
                    "strict": true,
                ],
            ],
        ]
        // OpenAI's own service takes `max_completion_tokens` (its newer models refuse
        // `max_tokens`); compatible servers know `max_tokens`.
        body[configuration.usesOfficialServer ? "max_completion_tokens" : "max_tokens"] = .number(Double(configuration.maxOutputTokens))
        var headers = [
            HTTPExchange.Header("content-type", "application/json"),
            HTTPExchange.Header("accept", "application/json"),
        ]
        if let key { headers.append(HTTPExchange.Header("authorization", "Bearer \(key.secret)")) }
        return HTTPExchange.Request(url: endpoint(configuration.serverURL), headers: headers, body: JSONValue.object(body).data)
    }

    /// `<root>/v1/chat/completions`.
    public static func endpoint(_ root: URL) -> URL {
        root.appendingPathComponent("v1").appendingPathComponent("chat").appendingPathComponent("completions")
    }

    /// Reads a 200 answer: the JSON object in the first choice's content.
    public static func parse(_ response: HTTPExchange.Response, provider: String) throws(AIError) -> ModelReply {
        guard let json = JSONValue.parse(response.body), let choice = json["choices"]?[0], let message = choice["message"] else {
            throw AIError(.malformedAnswer, provider: provider)
        }
        let finish = choice["finish_reason"]?.string
        if let refusal = message["refusal"]?.string, !refusal.isEmpty {
            throw AIError(.declined, provider: provider, detail: refusal)
        }
        if finish == "length" { throw AIError(.answerCutShort, provider: provider) }
        guard let content = message["content"]?.string, let object = JSONValue.parse(Self.unfenced(content)), object.object != nil else {
            throw AIError(.malformedAnswer, provider: provider)
        }
        let usage = json["usage"]
        return ModelReply(object: object, stopReason: finish, inputTokens: usage?["prompt_tokens"]?.number.map { Int($0) },
                          outputTokens: usage?["completion_tokens"]?.number.map { Int($0) })
    }

    /// The error a non-200 answer means. The body is `{"error": {"message", "type", "code"}}`
    /// (some compatible servers send `{"error": "text"}`).
    public static func error(_ response: HTTPExchange.Response, provider: String, key: APIKey?) -> AIError {
        let json = JSONValue.parse(response.body)
        let message = json?["error"]?["message"]?.string ?? json?["error"]?.string
        return ProviderStatus.error(status: response.status, retryAfter: response.header("retry-after"), provider: provider,
                                    detail: message.map { key?.redact($0) ?? $0 })
    }

    /// Some compatible servers wrap JSON in a Markdown fence even in JSON mode; take what is inside.
    static func unfenced(_ content: String) -> String {
        let trimmed = content.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("```"), trimmed.hasSuffix("```"), trimmed.count > 6 else { return trimmed }
        var inner = trimmed.dropFirst(3).dropLast(3)
        if let newline = inner.firstIndex(of: "\n") { inner = inner[inner.index(after: newline)...] }
        return String(inner)
    }
}
