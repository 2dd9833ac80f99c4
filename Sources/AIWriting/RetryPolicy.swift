public import Foundation

/// When to ask again after a 429 (rate limited) or a 5xx/529 (overloaded): as the provider's
/// `retry-after` header says when it sends one, else with exponential backoff; never longer than
/// ``maxWaitSeconds`` (a longer wait is reported to the person instead).
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included, for one request.
    public var maxAttempts: Int
    /// The first backoff without `retry-after`; each further one doubles it.
    public var baseDelaySeconds: Double
    /// The longest wait Siaran sits through; a longer `retry-after` ends the retries at once.
    public var maxWaitSeconds: Double

    public init(maxAttempts: Int = 3, baseDelaySeconds: Double = 1, maxWaitSeconds: Double = 30) {
        self.maxAttempts = maxAttempts
        self.baseDelaySeconds = baseDelaySeconds
        self.maxWaitSeconds = maxWaitSeconds
    }

    /// Statuses worth asking again: 429, 500, 502, 503, 504 and Anthropic's 529.
    public static func isRetryable(_ status: Int) -> Bool {
        status == 429 || status == 529 || (500...599).contains(status) && status != 501
    }

    /// The wait before attempt `attempt + 1` after `attempt` (1-based) got `status`, or nil when
    /// there is no further attempt.
    public func delay(after attempt: Int, status: Int, retryAfter: String?, now: Date = Date()) -> Double? {
        guard Self.isRetryable(status), attempt < maxAttempts else { return nil }
        let wait = retryAfter.flatMap { Self.seconds(fromRetryAfter: $0, now: now) }
            ?? baseDelaySeconds * pow(2, Double(attempt - 1))
        return wait <= maxWaitSeconds ? wait : nil
    }

    /// `retry-after` as seconds: a number of seconds, or an HTTP date.
    public static func seconds(fromRetryAfter value: String, now: Date = Date()) -> Double? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text), seconds.isFinite, seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: text) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
