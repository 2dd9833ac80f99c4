public import Hummingbird
import Logging
public import ServiceLifecycle

/// Serves the dashboard over HTTP inside the daemon's service group; stops with it.
public struct DashboardService: Service {
    public let dashboard: Dashboard
    /// Routes served beside the dashboard's own, outside its login (`/metrics`, `/healthz`, `/readyz`).
    let extraRoutes: (@Sendable (Router<DashboardContext>) -> Void)?

    public init(dashboard: Dashboard, extraRoutes: (@Sendable (Router<DashboardContext>) -> Void)? = nil) {
        self.dashboard = dashboard
        self.extraRoutes = extraRoutes
    }

    /// The Hummingbird application (tests use it with HummingbirdTesting).
    public func application() -> some ApplicationProtocol {
        let configuration = dashboard.configuration
        let router = dashboard.router()
        extraRoutes?(router)
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "siaran"),
            logger: dashboard.logger
        )
    }

    public func run() async throws {
        try await dashboard.prepare()
        dashboard.logger.info("dashboard on http://\(dashboard.configuration.host):\(dashboard.configuration.port)/")
        // Uploads nobody made a campaign from are removed after a week, checked every six hours.
        let janitor = UploadJanitor(folder: dashboard.configuration.uploads, maxAge: 7 * 86_400)
        let sweeper = Task {
            while !Task.isCancelled {
                let removed = janitor.sweep()
                if removed > 0 { dashboard.logger.info("removed \(removed) unused uploads older than 7 days") }
                try? await Task.sleep(for: .seconds(6 * 3600))
            }
        }
        defer { sweeper.cancel() }
        try await application().run()
    }
}
