import Foundation
import Logging
import SiaranTestSupport
import Store
import Synchronization

/// A backend on a fresh database of the shared test server, closed when `body` ends.
func withPostgres<T>(_ configuration: PostgresBackend.Configuration = PostgresBackend.Configuration(),
                     _ body: (PostgresBackend) async throws -> T) async throws -> T {
    let url = try await PostgresServer.shared().makeDatabase()
    let backend = try await PostgresBackend.connect(url, configuration: configuration, logger: quietLogger)
    do {
        let result = try await body(backend)
        await backend.close()
        return result
    } catch {
        await backend.close()
        throw error
    }
}

/// A backend for `url`, closed when `body` ends.
func withBackend<T>(_ url: DatabaseURL, _ configuration: PostgresBackend.Configuration = PostgresBackend.Configuration(),
                    logger: Logger = quietLogger, _ body: (PostgresBackend) async throws -> T) async throws -> T {
    let backend = try await PostgresBackend.connect(url, configuration: configuration, logger: logger)
    do {
        let result = try await body(backend)
        await backend.close()
        return result
    } catch {
        await backend.close()
        throw error
    }
}

let quietLogger = Logger(label: "siaran.test.postgres") { _ in SwiftLogNoOpLogHandler() }

/// Short waits for tests that expect failures: a second is plenty on the loopback interface.
var impatient: PostgresBackend.Configuration {
    var configuration = PostgresBackend.Configuration()
    configuration.connectTimeout = .seconds(3)
    configuration.leaseTimeout = .seconds(3)
    return configuration
}

/// Every log line (message and metadata, at trace level), to check what reaches the logs.
final class LogRecorder: Sendable {
    private let lines = Mutex<[String]>([])

    var logger: Logger {
        var logger = Logger(label: "siaran.test.recorded") { [self] _ in RecordingHandler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    fileprivate func append(_ line: String) { lines.withLock { $0.append(line) } }
}

private struct RecordingHandler: LogHandler {
    let recorder: LogRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        recorder.append("\(event.level) \(event.message) \(all)")
    }
}

/// The code of a `StoreError`, and its words, from whatever `body` threw.
func storeError(_ body: () async throws -> Void) async -> StoreError? {
    do {
        try await body()
        return nil
    } catch let error as StoreError {
        return error
    } catch {
        return StoreError(.unexpectedValue, detail: "not a StoreError: \(type(of: error)): \(error)")
    }
}
