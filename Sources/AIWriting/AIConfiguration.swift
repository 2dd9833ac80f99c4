public import Foundation

/// Which language model drafts and improves messages, and how Siaran talks to it. Built from the
/// `ai:` section of `pipeline.yaml`; without that section Siaran has no AI features at all.
public struct AIConfiguration: Sendable, Equatable {
    /// The HTTP API a provider speaks.
    public enum Provider: String, Sendable, CaseIterable {
        /// Anthropic's Messages API (`POST /v1/messages`, `x-api-key`, `anthropic-version`).
        case anthropic
        /// OpenAI's Chat Completions API (`POST /v1/chat/completions`, bearer token), also spoken by
        /// self-hosted servers (llama.cpp, vLLM, Ollama) and routers.
        case openai
    }

    public var provider: Provider
    /// The provider's model name, e.g. `claude-sonnet-4-5` or `gpt-4o-mini`.
    public var model: String
    /// The server's root (`https://llm.example.com`, `http://127.0.0.1:8000`) without `/v1`;
    /// nil means the provider's own service.
    public var baseURL: URL?
    /// How long one request may take, connection included.
    public var timeoutSeconds: Double
    /// The most tokens the model may write in one answer.
    public var maxOutputTokens: Int
    /// The folder of prompt files (`write.id.md`, …); files missing there use the built-in copies.
    public var promptsFolder: String

    public init(provider: Provider, model: String, baseURL: URL? = nil, timeoutSeconds: Double = 60,
                maxOutputTokens: Int = 2048, promptsFolder: String = "prompts") {
        self.provider = provider
        self.model = model
        self.baseURL = baseURL
        self.timeoutSeconds = timeoutSeconds
        self.maxOutputTokens = maxOutputTokens
        self.promptsFolder = promptsFolder
    }

    /// The provider's own service, used when `base_url` is not set.
    public static func officialURL(_ provider: Provider) -> URL {
        switch provider {
        case .anthropic: URL(string: "https://api.anthropic.com")!
        case .openai: URL(string: "https://api.openai.com")!
        }
    }

    /// The root requests go to.
    public var serverURL: URL { baseURL ?? Self.officialURL(provider) }

    /// True when requests go to the provider's own service (then its own key variable is used).
    public var usesOfficialServer: Bool {
        guard let baseURL else { return true }
        return baseURL.host?.lowercased() == Self.officialURL(provider).host
    }

    /// `anthropic claude-sonnet-4-5` or `openai llama3 at http://127.0.0.1:8000`: what the audit log
    /// and the pages show (never a key).
    public var summary: String {
        usesOfficialServer ? "\(provider.rawValue) \(model)" : "\(provider.rawValue) \(model) at \(serverURL.absoluteString)"
    }

    /// The environment variables a key is read from, in order, for this provider and server.
    /// A vendor's key is only ever sent to that vendor: a compatible server or router gets
    /// `SIARAN_AI_API_KEY` alone.
    public var keyVariables: [String] {
        guard usesOfficialServer else { return ["SIARAN_AI_API_KEY"] }
        switch provider {
        case .anthropic: return ["ANTHROPIC_API_KEY", "SIARAN_AI_API_KEY"]
        case .openai: return ["OPENAI_API_KEY", "SIARAN_AI_API_KEY"]
        }
    }

    /// Whether the server needs a key at all: the vendors' services do; a self-hosted server may not.
    public var requiresKey: Bool { usesOfficialServer }

    /// The key for this provider from `environment`, or nil when none of ``keyVariables`` is set.
    public func key(from environment: [String: String]) -> APIKey? {
        for name in keyVariables {
            if let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty {
                return APIKey(value, variable: name)
            }
        }
        return nil
    }
}

/// A provider's API key. It prints as `APIKey(ANTHROPIC_API_KEY, redacted)`, so no log line,
/// error or dump can show it by accident; only the request builders read ``secret``.
public struct APIKey: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The key itself; read only where it goes into a request header.
    public let secret: String
    /// The environment variable it came from, for messages.
    public let variable: String

    public init(_ secret: String, variable: String) {
        self.secret = secret
        self.variable = variable
    }

    public var description: String { "APIKey(\(variable), redacted)" }
    public var debugDescription: String { description }

    /// `text` with the key, and any long piece of it, replaced by `[redacted]`. Providers echo
    /// parts of a refused key in their error messages (`sk-ab…wxyz`); nothing of it leaves here.
    public func redact(_ text: String) -> String {
        var result = text
        if !secret.isEmpty { result = result.replacingOccurrences(of: secret, with: "[redacted]") }
        // Any run of 6 or more characters of the key (a prefix or suffix shown as a hint).
        let characters = Array(secret)
        if characters.count >= 12 {
            for length in stride(from: min(characters.count - 1, 24), through: 6, by: -1) {
                for start in [0, characters.count - length] {
                    let piece = String(characters[start..<(start + length)])
                    if result.contains(piece) { result = result.replacingOccurrences(of: piece, with: "[redacted]") }
                }
            }
        }
        return result
    }
}
