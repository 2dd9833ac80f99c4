import Foundation
import Pipeline
import Synchronization

/// A clock with virtual time, so hours of pacing run in milliseconds. A sleep outside the send
/// stage's lanes jumps time forward at once (one task sleeping alone, as before lanes). The lanes
/// (and the task that looks for new sessions) announce themselves as concurrent sleepers: each of
/// their sleeps waits until virtual time reaches its deadline, and time moves on, to the earliest
/// deadline, only when every one of them is asleep. So concurrent sleeps overlap as real ones do,
/// and a lane busy with the database or the network holds time still until it sleeps again.
final class ManualClock: ConcurrentSleepersClock, Sendable {
    private struct Sleeper {
        let id: Int
        let deadline: Double
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var start: Date
        /// Virtual seconds slept since `start`: monotonic, as a real sleep's clock is.
        var elapsed = 0.0
        /// Jumps of the wall clock (`jump(by:)`), which no sleep's deadline follows.
        var wallOffset = 0.0
        var sleepersExpected = 0
        var asleep: [Sleeper] = []
        var lastID = 0
        var cancelledEarly: Set<Int> = []
    }

    /// Set inside a concurrent sleeper's task (and the tasks it starts).
    @TaskLocal private static var inSleeper = false
    private let state: Mutex<State>

    init(_ start: Date) { state = Mutex(State(start: start)) }

    func now() -> Date { state.withLock { $0.start.addingTimeInterval($0.elapsed + $0.wallOffset) } }

    /// The wall clock jumps (an NTP correction, a VM restored from a snapshot): forward or back.
    func jump(by seconds: TimeInterval) { state.withLock { $0.wallOffset += seconds } }

    /// Virtual seconds slept so far (wall clock jumps left out).
    var elapsed: Double { state.withLock { $0.elapsed } }

    func sleep(seconds: Double) async throws {
        try Task.checkCancellation()
        let duration = max(seconds, 0.001)
        guard Self.inSleeper else {
            let woken = state.withLock { state in
                state.elapsed += duration
                return Self.wakeDue(&state)
            }
            for continuation in woken { continuation.resume() }
            await Task.yield()
            return
        }
        let id = state.withLock { state in
            state.lastID += 1
            return state.lastID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let woken = state.withLock { state -> [CheckedContinuation<Void, any Error>]? in
                    if state.cancelledEarly.remove(id) != nil { return nil }
                    state.asleep.append(Sleeper(id: id, deadline: state.elapsed + duration, continuation: continuation))
                    return Self.advanceIfAllAsleep(&state)
                }
                guard let woken else { return continuation.resume(throwing: CancellationError()) }
                for other in woken { other.resume() }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                if let index = state.asleep.firstIndex(where: { $0.id == id }) { return state.asleep.remove(at: index).continuation }
                state.cancelledEarly.insert(id)
                return nil
            }
            cancelled?.resume(throwing: CancellationError())
        }
    }

    func expectSleeper() {
        state.withLock { $0.sleepersExpected += 1 }
    }

    func runSleeper<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        defer {
            let woken = state.withLock { state in
                state.sleepersExpected -= 1
                return Self.advanceIfAllAsleep(&state)
            }
            for continuation in woken { continuation.resume() }
        }
        return try await Self.$inSleeper.withValue(true) { try await body() }
    }

    /// Quiescence: every announced sleeper is asleep, so nothing can happen before the earliest deadline.
    private static func advanceIfAllAsleep(_ state: inout State) -> [CheckedContinuation<Void, any Error>] {
        guard let earliest = state.asleep.map(\.deadline).min(), state.asleep.count >= state.sleepersExpected else { return [] }
        state.elapsed = max(state.elapsed, earliest)
        return wakeDue(&state)
    }

    private static func wakeDue(_ state: inout State) -> [CheckedContinuation<Void, any Error>] {
        let due = state.asleep.filter { $0.deadline <= state.elapsed }
        state.asleep.removeAll { $0.deadline <= state.elapsed }
        return due.map(\.continuation)
    }
}
