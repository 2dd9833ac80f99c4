import Synchronization

/// Waits for work at most a given time, and then stops waiting even if the work does not notice.
///
/// A task group would cancel the work at the deadline and then wait for it to end, but a query
/// already sent (postgres-nio's futures) or a server that accepted the connection and went
/// silent does not end on cancellation: the caller would hang exactly when the deadline matters.
/// Here the work runs in a task of its own, cancelled at the deadline and left to finish alone.
enum PostgresDeadline {
    static func run<T: Sendable>(within timeout: Duration, onTimeout: @escaping @Sendable () -> any Error,
                                 _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let outcome = Outcome<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                outcome.start(continuation, work: work, timeout: timeout, onTimeout: onTimeout)
            }
        } onCancel: {
            outcome.finish(.failure(CancellationError()))
        }
    }

    /// The first of work, deadline or cancellation to finish resumes the caller; the others only
    /// cancel what is left.
    private final class Outcome<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T, any Error>?
            var finished: Result<T, any Error>?
            var tasks: [Task<Void, Never>] = []
        }
        private let state = Mutex(State())

        func start(_ continuation: CheckedContinuation<T, any Error>, work: @escaping @Sendable () async throws -> T,
                   timeout: Duration, onTimeout: @escaping @Sendable () -> any Error) {
            let early = state.withLock { state -> Result<T, any Error>? in
                if let finished = state.finished { return finished }
                state.continuation = continuation
                return nil
            }
            if let early { continuation.resume(with: early); return }
            let worker = Task { [self] in
                do { finish(.success(try await work())) } catch { finish(.failure(error)) }
            }
            let timer = Task { [self] in
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                finish(.failure(onTimeout()))
            }
            let cancelNow = state.withLock { state -> Bool in
                state.tasks = [worker, timer]
                return state.finished != nil
            }
            if cancelNow { worker.cancel(); timer.cancel() }
        }

        func finish(_ result: Result<T, any Error>) {
            let (continuation, tasks) = state.withLock { state -> (CheckedContinuation<T, any Error>?, [Task<Void, Never>]) in
                guard state.finished == nil else { return (nil, []) }
                state.finished = result
                defer { state.continuation = nil }
                return (state.continuation, state.tasks)
            }
            for task in tasks { task.cancel() }
            continuation?.resume(with: result)
        }
    }
}
