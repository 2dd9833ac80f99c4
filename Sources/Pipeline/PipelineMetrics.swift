import Metrics
import Transport

/// What the pipeline counts for `/metrics` (through swift-metrics; nothing is recorded until the
/// daemon bootstraps a metrics backend). The names, in one place.
enum PipelineMetrics {
    static let sends = "siaran_sends_total"
    static let sendAck = "siaran_send_ack_seconds"
    static let databaseErrors = "siaran_database_errors_total"
    static let campaignFaults = "siaran_campaign_faults_total"

    /// One hand-over to the transport: counted per session and outcome, and timed until the
    /// server acknowledged it (or refused it).
    static func recordSend(session: String, result: SendResult, took: Duration) {
        let outcome = switch result {
        case .sent: "sent"
        case .permanentFailure: "failed"
        case .transientFailure: "retrying"
        case .deferred: "deferred"
        }
        Counter(label: sends, dimensions: [("session", session), ("outcome", outcome)]).increment()
        if case .sent = result {
            Metrics.Timer(label: sendAck, dimensions: [("session", session)]).record(duration: took)
        }
    }

    /// The database refused or did not answer (an outage, disk full, locked).
    static func databaseError(_ kind: String) {
        Counter(label: databaseErrors, dimensions: [("kind", kind)]).increment()
    }

    /// A campaign's run met a fault: `waits` (passes with time) or `breaks` (a failed start).
    static func campaignFault(_ kind: String) {
        Counter(label: campaignFaults, dimensions: [("kind", kind)]).increment()
    }
}
