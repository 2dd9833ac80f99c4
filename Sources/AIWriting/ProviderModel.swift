public import Logging

/// A provider's HTTP API: how a ``ModelRequest`` becomes a request and an answer a reply.
/// ``AnthropicAPI`` and ``OpenAIAPI`` are the two; ``ProviderModel`` adds the network and retries.
public protocol ProviderDialect {
    static func request(_ request: ModelRequest, configuration: AIConfiguration, key: APIKey?) -> HTTPExchange.Request
    static func reply(_ response: HTTPExchange.Response, expecting output: OutputSchema, provider: String) throws(AIError) -> ModelReply
    static func error(_ response: HTTPExchange.Response, provider: String, key: APIKey?) -> AIError
}

extension AnthropicAPI: ProviderDialect {
    public static func reply(_ response: HTTPExchange.Response, expecting output: OutputSchema, provider: String) throws(AIError) -> ModelReply {
        try parse(response, expecting: output, provider: provider)
    }
}

extension OpenAIAPI: ProviderDialect {
    public static func reply(_ response: HTTPExchange.Response, expecting output: OutputSchema, provider: String) throws(AIError) -> ModelReply {
        try parse(response, provider: provider)
    }
}

/// A language model behind a provider's HTTP API: sends the request, retries 429 and overload
/// as ``RetryPolicy`` says, and turns every failure into an ``AIError`` in plain words.
///
/// Logs one line per attempt with provider, model, status and duration; never a header or a
/// body, so never the key or the prompt.
public struct ProviderModel<Dialect: ProviderDialect>: LanguageModel {
    public let configuration: AIConfiguration
    let key: APIKey?
    let transport: any HTTPTransport
    let retry: RetryPolicy
    let sleep: @Sendable (Double) async throws -> Void
    let logger: Logger

    public init(configuration: AIConfiguration, key: APIKey?, transport: any HTTPTransport = AsyncHTTPClientTransport(),
                retry: RetryPolicy = RetryPolicy(), logger: Logger,
                sleep: @escaping @Sendable (Double) async throws -> Void = { try await Task.sleep(for: .seconds($0)) }) {
        self.configuration = configuration
        self.key = key
        self.transport = transport
        self.retry = retry
        self.logger = logger
        self.sleep = sleep
    }

    public var summary: String { configuration.summary }

    /// `anthropic`, `openai`, or `the server at 127.0.0.1:8000` for a compatible one.
    var providerName: String {
        guard !configuration.usesOfficialServer else { return configuration.provider.rawValue }
        let url = configuration.serverURL
        return "the server at \(url.host ?? url.absoluteString)\(url.port.map { ":\($0)" } ?? "")"
    }

    public func answer(_ request: ModelRequest) async throws(AIError) -> ModelReply {
        let http = Dialect.request(request, configuration: configuration, key: key)
        let timeout = Duration.milliseconds(Int64(configuration.timeoutSeconds * 1000))
        var attempt = 1
        while true {
            let started = ContinuousClock.now
            let response: HTTPExchange.Response
            do {
                response = try await transport.send(http, timeout: timeout)
            } catch {
                logger.warning("language model request failed", metadata: metadata(attempt: attempt, started: started, outcome: Self.describe(error)))
                switch error {
                case .timeout: throw AIError(.timeout(seconds: configuration.timeoutSeconds), provider: providerName)
                case .unreachable: throw AIError(.noNetwork, provider: providerName)
                }
            }
            if response.status == 200 {
                let reply = try Dialect.reply(response, expecting: request.output, provider: providerName)
                var meta = metadata(attempt: attempt, started: started, outcome: "200")
                if let tokens = reply.outputTokens { meta["ai.output_tokens"] = "\(tokens)" }
                logger.info("language model answered", metadata: meta)
                return reply
            }
            let wait = retry.delay(after: attempt, status: response.status, retryAfter: response.header("retry-after"))
            logger.notice("language model refused", metadata: metadata(attempt: attempt, started: started, outcome: "\(response.status)")
                .merging(["ai.retry_in": "\(wait.map { AIError.seconds($0) } ?? "no retry")"]) { _, new in new })
            guard let wait else { throw Dialect.error(response, provider: providerName, key: key) }
            do {
                try await sleep(wait)
            } catch {
                throw Dialect.error(response, provider: providerName, key: key)
            }
            attempt += 1
        }
    }

    private func metadata(attempt: Int, started: ContinuousClock.Instant, outcome: String) -> Logger.Metadata {
        let elapsed = ContinuousClock.now - started
        return [
            "ai.provider": "\(configuration.provider.rawValue)", "ai.model": "\(configuration.model)",
            "ai.attempt": "\(attempt)", "ai.outcome": "\(outcome)",
            "ai.milliseconds": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
        ]
    }

    private static func describe(_ failure: TransportFailure) -> String {
        switch failure {
        case .timeout: "timeout"
        case .unreachable(let reason): "unreachable: \(reason)"
        }
    }
}

public typealias AnthropicModel = ProviderModel<AnthropicAPI>
public typealias OpenAICompatibleModel = ProviderModel<OpenAIAPI>

/// Builds the configured provider's model.
public enum LanguageModels {
    /// The model of `configuration` with `key` (from ``AIConfiguration/key(from:)``); refuses a
    /// missing key where the server needs one.
    public static func make(_ configuration: AIConfiguration, key: APIKey?, logger: Logger,
                            transport: any HTTPTransport = AsyncHTTPClientTransport(), retry: RetryPolicy = RetryPolicy()) throws(AIError) -> any LanguageModel {
        if key == nil && configuration.requiresKey {
            throw AIError(.missingKey(variables: configuration.keyVariables), provider: configuration.provider.rawValue)
        }
        switch configuration.provider {
        case .anthropic: return AnthropicModel(configuration: configuration, key: key, transport: transport, retry: retry, logger: logger)
        case .openai: return OpenAICompatibleModel(configuration: configuration, key: key, transport: transport, retry: retry, logger: logger)
        }
    }
}
