public import Logging
public import ServiceLifecycle
import Foundation

/// Watches `inbox/` for as long as the daemon runs and logs what arrives.
///
/// It reports every file written into the inbox, and rescans periodically because network
/// filesystems (SMB/NFS) do not always deliver inotify events. Taking drops, spooling and
/// running campaigns build on the events it yields (`events`).
public final class InboxWatchService: Service, Sendable {
    private let inbox: String
    private let configuration: WatchConfiguration
    private let logger: Logger
    /// Every event, for the stages that take drops.
    public let events: AsyncStream<FileEvent>
    private let continuation: AsyncStream<FileEvent>.Continuation

    public init(inbox: String, configuration: WatchConfiguration, logger: Logger) {
        self.inbox = inbox
        self.configuration = configuration
        self.logger = logger
        (events, continuation) = AsyncStream.makeStream(of: FileEvent.self, bufferingPolicy: .bufferingNewest(10_000))
    }

    public func run() async throws {
        let watcher = InotifyWatcher(root: inbox)
        let fileEvents = try watcher.events()
        logger.info("watching inbox", metadata: ["inbox": "\(inbox)", "rescan.seconds": "\(configuration.rescanSeconds)"])
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [continuation, logger] in
                    for await event in fileEvents {
                        if event.kind == .written {
                            logger.info("file arrived", metadata: ["path": "\(event.path)"])
                        } else if event.kind == .overflow {
                            logger.warning("inotify queue overflowed; rescanning")
                        }
                        continuation.yield(event)
                    }
                }
                group.addTask { [inbox, configuration, continuation] in
                    // Rescan as a safety net: a file seen only by the rescan becomes an event too.
                    while !Task.isCancelled {
                        try await Task.sleep(for: .seconds(configuration.rescanSeconds))
                        continuation.yield(FileEvent(kind: .overflow, path: inbox))
                    }
                }
                try await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            watcher.stop()
        }
        continuation.finish()
        logger.info("stopped watching inbox")
    }
}
