public import Hummingbird
public import Logging
public import ServiceLifecycle

/// `/metrics`, `/healthz` and `/readyz` on their own port (`metrics.port`), for a daemon that runs
/// without the dashboard.
public struct MetricsService: Service {
    let metrics: SiaranMetrics
    let host: String
    let port: Int
    let token: String?
    let logger: Logger

    public init(metrics: SiaranMetrics, host: String, port: Int, token: String?, logger: Logger) {
        self.metrics = metrics
        self.host = host
        self.port = port
        self.token = token
        self.logger = logger
    }

    /// The Hummingbird application (tests use it with HummingbirdTesting).
    public func application() -> some ApplicationProtocol {
        let router = Router()
        MonitoringRoutes.add(to: router, metrics: metrics, token: token)
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "siaran"), logger: logger)
    }

    public func run() async throws {
        logger.info("metrics on http://\(host):\(port)/metrics")
        try await application().run()
    }
}
