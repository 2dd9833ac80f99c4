public import Foundation
import Metrics
public import Prometheus
import Synchronization
public import Store

/// What `/metrics`, `/healthz` and `/readyz` answer. Counters and timers the daemon records as it
/// works (sends per session, the time a send waits for the server's ack, reconnects, database
/// errors: `PipelineMetrics`, `WhatsAppService`) go through swift-metrics into the process's
/// Prometheus registry; the figures the
/// database already holds (messages by state, queue depth, campaign progress) are read from it
/// at each scrape, so they are right after a restart and across several workers.
public final class SiaranMetrics: Sendable {
    private let database: SiaranDatabase
    private let inbox: String
    /// This instance's figures read from the database (the process-wide registry holds the rest).
    private let registry = PrometheusCollectorRegistry()
    private let progress = Mutex<[String: Prometheus.Gauge]>([:])
    private let states = Mutex<[String: Prometheus.Gauge]>([:])
    private static let bootstrapped = Mutex(false)

    public init(database: SiaranDatabase, inbox: String) {
        self.database = database
        self.inbox = inbox
    }

    /// Sends swift-metrics' counters and timers to the Prometheus registry this type emits. Once
    /// per process (swift-metrics allows one bootstrap); later calls do nothing.
    public static func bootstrap() {
        bootstrapped.withLock { done in
            guard !done else { return }
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: PrometheusMetricsFactory.defaultRegistry))
            done = true
        }
    }

    /// The Prometheus text exposition: the database's figures, then the recorded ones.
    public func exposition() async throws -> String {
        let totals = try await database.messageStateTotals()
        for state in MessageRecord.State.allCases.map(\.rawValue) {
            let gauge = states.withLock { gauges in
                if let gauge = gauges[state] { return gauge }
                let gauge = registry.makeGauge(name: "siaran_messages", labels: [("state", state)],
                                               help: "Messages in each state, all campaigns")
                gauges[state] = gauge
                return gauge
            }
            gauge.set(Double(totals[state] ?? 0))
        }
        let open = try await database.openCampaigns()
        let counts = try await database.messageCounts(of: open.map(\.id))
        var queued = 0
        var seen: Set<String> = []
        for campaign in open {
            let count = counts[campaign.id] ?? MessageCounts()
            queued += count.pending + count.retrying + count.sending
            seen.insert(campaign.id)
            let left = count.pending + count.retrying + count.sending
            let ratio = count.total == 0 ? 0 : Double(count.total - left) / Double(count.total)
            let gauge = progress.withLock { gauges in
                if let gauge = gauges[campaign.id] { return gauge }
                let gauge = registry.makeGauge(name: "siaran_campaign_progress_ratio", labels: [("campaign", campaign.id)],
                                               help: "Share of an open campaign's messages that have left or ended")
                gauges[campaign.id] = gauge
                return gauge
            }
            gauge.set(ratio)
        }
        // Campaigns that ended leave the exposition.
        let ended = progress.withLock { gauges in
            let gone = gauges.filter { !seen.contains($0.key) }
            for id in gone.keys { gauges.removeValue(forKey: id) }
            return Array(gone.values)
        }
        for gauge in ended { registry.unregisterGauge(gauge) }
        registry.makeGauge(name: "siaran_queue_depth", help: "Messages waiting to be sent (pending, retrying, sending) in open campaigns")
            .set(Double(queued))
        registry.makeGauge(name: "siaran_open_campaigns", help: "Campaigns not yet done, cancelled or failed").set(Double(open.count))
        return registry.emitToString() + PrometheusMetricsFactory.defaultRegistry.emitToString()
    }

    /// `/readyz`: the database answers and the inbox can be written. Problems in plain words.
    public func readiness() async -> [String] {
        var problems: [String] = []
        do { try await database.ping() } catch { problems.append("database: \(error)") }
        var info = statvfs()
        if access(inbox, W_OK) != 0 {
            problems.append("inbox: \(String(cString: strerror(errno)))")
        } else if statvfs(inbox, &info) == 0, info.f_flag & UInt(ST_RDONLY) != 0 {
            problems.append("inbox: read-only file system")
        }
        return problems
    }
}
