import Foundation

/// Why the language model could not help, in plain words (English and Indonesian). Never holds a
/// key: provider messages are redacted before they are kept, and refused keys are not quoted.
public struct AIError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// 401/403: the key is wrong, revoked, or not allowed to use the model.
        case keyRefused(status: Int)
        /// 429 after the retries: the account's rate or spending limit.
        case rateLimited(retryAfterSeconds: Double?)
        /// 5xx or 529 after the retries: the provider is busy or down.
        case overloaded(status: Int)
        /// No complete answer within `timeout_seconds`.
        case timeout(seconds: Double)
        /// The server could not be reached (no network, wrong address, refused connection).
        case noNetwork
        /// Another 4xx: the provider refused the request (unknown model, bad parameter).
        case requestRefused(status: Int)
        /// The answer was not the JSON that was asked for, twice.
        case malformedAnswer
        /// The answer was cut at `max_output_tokens`.
        case answerCutShort
        /// The model declined to write it (a safety refusal).
        case declined
        /// Nothing the model wrote passed Siaran's checks.
        case nothingPassed
        /// A required key is missing from the environment.
        case missingKey(variables: [String])
    }

    public var code: Code
    /// The provider (`anthropic`, `openai`) and server, for the message.
    public var provider: String
    /// What the provider said, redacted, when it said something useful.
    public var detail: String?

    public init(_ code: Code, provider: String, detail: String? = nil) {
        self.code = code
        self.provider = provider
        self.detail = detail.map(Self.scrub).flatMap { $0.isEmpty ? nil : String($0.prefix(300)) }
    }

    public var description: String { english }

    /// The message in English.
    public var english: String {
        let base: String
        switch code {
        case .keyRefused(let status):
            base = "\(provider) refused the API key (HTTP \(status)): check the key in the environment and that it may use this model"
        case .rateLimited(let after):
            base = "\(provider) is rate limiting this account" + (after.map { "; try again in \(Self.seconds($0))" } ?? "; try again in a minute")
        case .overloaded(let status):
            base = "\(provider) is overloaded or having trouble (HTTP \(status)); try again in a few minutes"
        case .timeout(let seconds):
            base = "\(provider) did not answer within \(Self.seconds(seconds)) (ai.timeout_seconds); try again, or raise the timeout"
        case .noNetwork:
            base = "cannot reach \(provider): no network, or the server address (ai.base_url) is wrong or down"
        case .requestRefused(let status):
            base = "\(provider) refused the request (HTTP \(status)); check ai.model and ai.base_url"
        case .malformedAnswer:
            base = "\(provider) answered twice with something that is not the JSON Siaran asked for; try again or choose another model"
        case .answerCutShort:
            base = "\(provider)'s answer was cut short at ai.max_output_tokens; raise it or ask for fewer variants"
        case .declined:
            base = "the model declined to write this; rephrase the request"
        case .nothingPassed:
            base = "none of the texts the model wrote passed Siaran's checks"
        case .missingKey(let variables):
            base = "no API key for \(provider): set \(variables.joined(separator: " or ")) in the environment or .env"
        }
        return detail.map { "\(base) (\(provider) said: \($0))" } ?? base
    }

    /// The message in Bahasa Indonesia.
    public var indonesian: String {
        let base: String
        switch code {
        case .keyRefused(let status):
            base = "\(provider) menolak kunci API (HTTP \(status)): periksa kunci di environment dan izinnya untuk model ini"
        case .rateLimited(let after):
            base = "\(provider) membatasi laju akun ini" + (after.map { "; coba lagi dalam \(Self.detik($0))" } ?? "; coba lagi sebentar lagi")
        case .overloaded(let status):
            base = "\(provider) sedang sibuk atau bermasalah (HTTP \(status)); coba lagi beberapa menit lagi"
        case .timeout(let seconds):
            base = "\(provider) tidak menjawab dalam \(Self.detik(seconds)) (ai.timeout_seconds); coba lagi, atau naikkan batas waktunya"
        case .noNetwork:
            base = "tidak bisa menghubungi \(provider): tidak ada jaringan, atau alamat server (ai.base_url) salah atau mati"
        case .requestRefused(let status):
            base = "\(provider) menolak permintaan (HTTP \(status)); periksa ai.model dan ai.base_url"
        case .malformedAnswer:
            base = "\(provider) dua kali menjawab dengan sesuatu yang bukan JSON yang diminta Siaran; coba lagi atau pilih model lain"
        case .answerCutShort:
            base = "jawaban \(provider) terpotong di ai.max_output_tokens; naikkan nilainya atau minta lebih sedikit varian"
        case .declined:
            base = "model menolak menulis ini; ubah permintaannya"
        case .nothingPassed:
            base = "tidak ada teks tulisan model yang lolos pemeriksaan Siaran"
        case .missingKey(let variables):
            base = "tidak ada kunci API untuk \(provider): isi \(variables.joined(separator: " atau ")) di environment atau .env"
        }
        return detail.map { "\(base) (\(provider): \($0))" } ?? base
    }

    /// Whether trying the same request again later may work.
    public var isTransient: Bool {
        switch code {
        case .rateLimited, .overloaded, .timeout, .noNetwork: true
        default: false
        }
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }

    static func detik(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) detik" : String(format: "%.1f detik", value)
    }

    private static let keyLike = try! NSRegularExpression(
        pattern: #"\b(sk|pk|rk|key|sess|ak)[-_][A-Za-z0-9_*.\-]{4,}|\b[A-Za-z0-9]{32,}\b"#, options: [])

    /// Removes anything that looks like a key from provider text (`sk-ant-…`, `sk-proj-…`, long tokens).
    static func scrub(_ text: String) -> String {
        let single = text.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
        return keyLike.stringByReplacingMatches(in: single, range: NSRange(single.startIndex..., in: single), withTemplate: "[redacted]")
    }
}
