import ArgumentParser
import Foundation
import Reports
import Siaran
import Store

/// `siaran cluster status`: the workers on this database and the session leases.
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Workers sharing this database, and which worker holds each WhatsApp session.",
        subcommands: [Status.self]
    )

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Workers (id, host, started, last heartbeat, sessions, sent in the last minute) and session leases (owner, expiry, fencing counter)."
        )
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            let configuration = try options.load()
            let database = try await openDatabase(configuration)
            let now = Date()
            // A worker that missed three leases' worth of beats is gone.
            let status = try await database.clusterStatus(at: now, workerTimeout: configuration.cluster.leaseSeconds * 3)
            var times = LocalTimeFormatter(timeZone: configuration.timeZone)
            print(Self.render(status, now: now, times: &times))
            await database.close()
        }

        static func render(_ status: ClusterStatus, now: Date, times: inout LocalTimeFormatter) -> String {
            var lines = ["Workers / Pekerja"]
            if status.workers.isEmpty { lines.append("  none running (a worker is a `siaran run` on this database)") }
            for worker in status.workers {
                let record = worker.record
                let beat = Int(now.timeIntervalSince(record.heartbeatAt).rounded())
                let sessions = worker.sessions.isEmpty ? "no sessions" : worker.sessions.joined(separator: ", ")
                lines.append("  \(record.id)  host \(record.host), pid \(record.processId), started \(times.readable(record.startedAt)), "
                             + "last heartbeat \(beat) s ago; \(sessions); \(worker.sentLastMinute) sent in the last minute")
            }
            lines += ["", "Session leases / Sewa sesi"]
            if status.leases.isEmpty { lines.append("  none yet") }
            for lease in status.leases {
                let owner: String
                if let holder = lease.owner, lease.expiresAt > now {
                    owner = "held by \(holder) until \(times.readable(lease.expiresAt))"
                } else if let holder = lease.owner {
                    owner = "free: \(holder)'s lease ran out at \(times.readable(lease.expiresAt))"
                } else {
                    owner = "free: released at \(times.readable(lease.expiresAt))"
                }
                lines.append("  \(lease.session)  \(owner); fencing \(lease.fencing)")
            }
            return lines.joined(separator: "\n")
        }
    }
}
