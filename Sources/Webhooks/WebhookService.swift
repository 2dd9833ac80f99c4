public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
public import Logging
public import ServiceLifecycle
public import Store

/// Delivers the event log (`domainEvents`) to each configured endpoint as signed JSON POSTs,
/// in order, at least once: an endpoint's position is stored only after a 2xx answer, so a
/// restart resumes where it stopped. A failing endpoint is retried with growing pauses; after
/// `maxAttempts` the event is skipped with an error in the log, so one bad event cannot block
/// the rest for ever.
public struct WebhookService: Service {
    public struct Settings: Sendable {
        public var endpoints: [WebhookEndpoint]
        public var secret: String
        public var timeout: TimeInterval = 10
        /// How often an endpoint with nothing to deliver looks for new events.
        public var pollInterval: TimeInterval = 2
        /// The first pause after a failure; it doubles up to `maxPause`.
        public var retryBase: TimeInterval = 2
        public var maxPause: TimeInterval = 300
        public var maxAttempts = 12
        /// Events older than this are deleted.
        public var keepEvents: TimeInterval = 30 * 86_400

        public init(endpoints: [WebhookEndpoint], secret: String) {
            self.endpoints = endpoints
            self.secret = secret
        }
    }

    let settings: Settings
    let database: SiaranDatabase
    let logger: Logger
    let userAgent: String

    public init(settings: Settings, database: SiaranDatabase, logger: Logger, userAgent: String = "Siaran") {
        self.settings = settings
        self.database = database
        self.logger = logger
        self.userAgent = userAgent
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for endpoint in settings.endpoints {
                    group.addTask { await deliverForever(to: endpoint) }
                }
                group.addTask { await pruneForever() }
            }
        }
    }

    /// The loop of one endpoint; ends when the task is cancelled. A database that cannot be
    /// reached (a PostgreSQL restart) pauses delivery; it starts again from the stored position.
    func deliverForever(to endpoint: WebhookEndpoint) async {
        while !Task.isCancelled {
            guard await deliverUntilError(to: endpoint) else { return }
            try? await Task.sleep(for: .seconds(max(1, settings.pollInterval * 5)))
        }
    }

    /// Delivers until cancelled (false) or until an error (true: try again later).
    private func deliverUntilError(to endpoint: WebhookEndpoint) async -> Bool {
        let key = endpoint.url.absoluteString
        do {
            var cursor: Int64
            if let stored = try await database.webhookCursor(key) {
                cursor = stored
            } else {
                // A new endpoint hears what happens from now on, not the whole history.
                cursor = try await database.lastEventID()
                try await database.setWebhookCursor(key, to: cursor)
            }
            while !Task.isCancelled {
                // Read the newest id first: if no wanted event comes after the cursor, every event
                // up to that id is of a kind this endpoint does not want, and it moves past them.
                let last = try await database.lastEventID()
                let batch = try await database.events(after: cursor, kinds: endpoint.events, limit: 50)
                if batch.isEmpty {
                    if last > cursor { cursor = last; try await database.setWebhookCursor(key, to: cursor) }
                    try await Task.sleep(for: .seconds(settings.pollInterval))
                    continue
                }
                for event in batch {
                    try await deliverWithRetries(event, to: endpoint)
                    cursor = event.id
                    // Recorded even when shutdown cancels this task now: the receiver has it.
                    let database = database, delivered = cursor
                    try await Task { try await database.setWebhookCursor(key, to: delivered) }.value
                }
            }
            return false
        } catch is CancellationError {
            return false
        } catch {
            logger.error("webhook delivery paused; trying again shortly", metadata: ["endpoint": "\(endpoint.displayName)", "error": "\(error)"])
            return true
        }
    }

    /// Posts one event until it is accepted or the attempts run out.
    func deliverWithRetries(_ event: DomainEvent, to endpoint: WebhookEndpoint) async throws {
        var attempt = 0
        while true {
            attempt += 1
            let outcome = await post(event, to: endpoint)
            if outcome == nil {
                if attempt > 1 { logger.info("webhook delivered after \(attempt) attempts", metadata: ["endpoint": "\(endpoint.displayName)", "event": "\(event.id)"]) }
                return
            }
            if attempt >= settings.maxAttempts {
                logger.error("webhook gave up on an event after \(attempt) attempts: \(outcome ?? "")",
                             metadata: ["endpoint": "\(endpoint.displayName)", "event": "\(event.id)", "type": "\(event.kind.rawValue)"])
                return
            }
            let pause = min(settings.retryBase * pow(2, Double(attempt - 1)), settings.maxPause)
            logger.warning("webhook failed (\(outcome ?? "")); retrying in \(String(format: "%.1f", pause)) s",
                           metadata: ["endpoint": "\(endpoint.displayName)", "event": "\(event.id)"])
            try await Task.sleep(for: .seconds(pause))
        }
    }

    /// The JSON body of an event: `{"id", "type", "createdAt", "data"}`.
    static func body(of event: DomainEvent) -> Data {
        let data = (try? JSONSerialization.jsonObject(with: event.payload)) ?? [String: Any]()
        let envelope: [String: Any] = ["id": event.id, "type": event.kind.rawValue,
                                       "createdAt": ISO8601DateFormatter().string(from: event.at), "data": data]
        return (try? JSONSerialization.data(withJSONObject: envelope, options: [.sortedKeys])) ?? Data("{}".utf8)
    }

    /// One POST; nil when the endpoint answered 2xx, otherwise why not.
    func post(_ event: DomainEvent, to endpoint: WebhookEndpoint) async -> String? {
        let body = Self.body(of: event)
        var request = URLRequest(url: endpoint.url)
        request.httpMethod = "POST"
        request.timeoutInterval = settings.timeout
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(userAgent, forHTTPHeaderField: "User-Agent")
        request.setValue(event.kind.rawValue, forHTTPHeaderField: "X-Siaran-Event")
        request.setValue(String(event.id), forHTTPHeaderField: "X-Siaran-Delivery")
        request.setValue(WebhookSignature.sign(body: body, secret: settings.secret, timestamp: Int(Date().timeIntervalSince1970)),
                         forHTTPHeaderField: WebhookSignature.header)
        do {
            let (_, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            return (200..<300).contains(status) ? nil : "HTTP \(status)"
        } catch {
            return "\(error.localizedDescription)"
        }
    }

    func pruneForever() async {
        while !Task.isCancelled {
            try? await database.pruneEvents(before: Date().addingTimeInterval(-settings.keepEvents))
            do { try await Task.sleep(for: .seconds(3600)) } catch { return }
        }
    }
}
