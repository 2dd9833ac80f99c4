import Foundation
import WhatsAppSimulator

/// The `pipeline.yaml` of a daemon test that sends through the simulator: fast watch, no
/// pacing limits, session `utama`, the simulator as the WhatsApp server; `extra` adds sections.
enum SimulatorDaemonConfiguration {
    static func write(to folder: URL, simulator: WhatsAppSimulator, extra: String = "") throws {
        let rootKey = simulator.rootKey.raw.map { String(format: "%02x", $0) }.joined()
        try """
            paths: {inbox: inbox, outbox: outbox, state: state, templates: templates}
            watch: {quiet_seconds: 0.3, rescan_seconds: 1}
            sending:
              transport: whatsapp
              delay: {min: 0, max: 0.02}
              caps: {hourly: 0, daily: 0, cold_daily: 0}
              warmup: []
              batch: {size: 0}
              window: "00:00-23:59"
            whatsapp:
              sessions: [utama]
              server_url: \(simulator.url.absoluteString)
              server_root_key: \(rootKey)
              media_scheme: http
            \(extra)
            """.write(to: folder.appendingPathComponent("pipeline.yaml"), atomically: true, encoding: .utf8)
    }
}
