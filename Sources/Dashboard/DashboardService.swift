public import Hummingbird
import Logging
public import ServiceLifecycle

/// Serves the dashboard over HTTP inside the daemon's service group; stops with it.
public struct DashboardService: Service {
    public let dashboard: Dashboard

    public init(dashboard: Dashboard) {
        self.dashboard = dashboard
    }

    /// The Hummingbird application (tests use it with HummingbirdTesting).
    public func application() -> some ApplicationProtocol {
        let configuration = dashboard.configuration
        return Application(
            router: dashboard.router(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "siaran"),
            logger: dashboard.logger
        )
    }

    public func run() async throws {
        try await dashboard.prepare()
        dashboard.logger.info("dashboard on http://\(dashboard.configuration.host):\(dashboard.configuration.port)/")
        try await application().run()
    }
}
