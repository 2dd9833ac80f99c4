public import Foundation

/// Anthropic's Messages API as pure functions: the request for a ``ModelRequest`` and the reading
/// of its answer. Structured output is asked for the documented way: one tool whose
/// `input_schema` is the output schema, forced with `tool_choice: {"type": "tool", "name": …}`;
/// the answer is that `tool_use` block's `input`.
public enum AnthropicAPI {
    /// The API version every request names (`anthropic-version`).
    public static let version = "2023-06-01"

    public static func request(_ request: ModelRequest, configuration: AIConfiguration, key: APIKey?) -> HTTPExchange.Request {
        let body: [String: JSONValue] = [
            "model": .string(configuration.model),
            "max_tokens": .number(Double(configuration.maxOutputTokens)),
            "system": .string(request.system),
            "messages": .array(request.turns.map { ["role": .string($0.role.rawValue), "content": .string($0.text)] }),
            "tools": [[
                "name": .string(request.output.name),
                "description": .string(request.output.description),
                "input_schema": request.output.schema,
            ]],
            "tool_choice": ["type": "tool", "name": .string(request.output.name)],
        ]
        var headers = [
            HTTPExchange.Header("content-type", "application/json"),
            HTTPExchange.Header("accept", "application/json"),
            HTTPExchange.Header("anthropic-version", version),
        ]
        if let key { headers.append(HTTPExchange.Header("x-api-key", key.secret)) }
        return HTTPExchange.Request(url: endpoint(configuration.serverURL), headers: headers, body: JSONValue.object(body).data)
    }

    /// `<root>/v1/messages`.
    public static func endpoint(_ root: URL) -> URL {
        root.appendingPathComponent("v1").appendingPathComponent("messages")
    }

    /// Reads a 200 answer: the forced tool's input. Throws `.declined` for a refusal,
    /// `.answerCutShort` when `max_tokens` ended it before the tool call was complete, and
    /// `.malformedAnswer` for anything else that is not the tool call.
    public static func parse(_ response: HTTPExchange.Response, expecting output: OutputSchema, provider: String) throws(AIError) -> ModelReply {
        guard let json = JSONValue.parse(response.body), json["type"]?.string == "message" || json["content"] != nil else {
            throw AIError(.malformedAnswer, provider: provider)
        }
        let stop = json["stop_reason"]?.string
        let usage = json["usage"]
        let blocks = json["content"]?.array ?? []
        if let call = blocks.first(where: { $0["type"]?.string == "tool_use" && $0["name"]?.string == output.name }),
           let input = call["input"], input.object != nil, stop != "max_tokens" {
            return ModelReply(object: input, stopReason: stop, inputTokens: usage?["input_tokens"]?.number.map { Int($0) },
                              outputTokens: usage?["output_tokens"]?.number.map { Int($0) })
        }
        switch stop {
        case "refusal"?: throw AIError(.declined, provider: provider)
        case "max_tokens"?: throw AIError(.answerCutShort, provider: provider)
        default: throw AIError(.malformedAnswer, provider: provider)
        }
    }

    /// The error a non-200 answer means. The body is `{"type": "error", "error": {"type", "message"}}`.
    public static func error(_ response: HTTPExchange.Response, provider: String, key: APIKey?) -> AIError {
        let message = JSONValue.parse(response.body)?["error"]?["message"]?.string
        let detail = message.map { key?.redact($0) ?? $0 }
        return ProviderStatus.error(status: response.status, retryAfter: response.header("retry-after"), provider: provider, detail: detail)
    }
}

/// What an HTTP status from a provider means, shared by both APIs.
enum ProviderStatus {
    static func error(status: Int, retryAfter: String?, provider: String, detail: String?) -> AIError {
        switch status {
        case 401, 403:
            // The provider's words about a refused key may quote part of it: leave them out.
            return AIError(.keyRefused(status: status), provider: provider)
        case 429:
            return AIError(.rateLimited(retryAfterSeconds: retryAfter.flatMap { RetryPolicy.seconds(fromRetryAfter: $0) }), provider: provider, detail: detail)
        case 500...599:
            return AIError(.overloaded(status: status), provider: provider, detail: detail)
        case 408:
            return AIError(.timeout(seconds: 0), provider: provider, detail: detail)
        default:
            return AIError(.requestRefused(status: status), provider: provider, detail: detail)
        }
    }
}
