/// A clock that must know which tasks sleep side by side: a test clock with virtual time may move
/// on only when every one of them is asleep (otherwise concurrent sleeps would add up). The send
/// stage's lanes tell it; a clock that sleeps for real needs none of this.
public protocol ConcurrentSleepersClock: PipelineClock {
    /// Called before a sleeper's task is started, so time cannot move on before it runs.
    func expectSleeper()
    /// Runs the body of a sleeper announced with `expectSleeper()`; it leaves when the body ends.
    func runSleeper<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T
}

extension PipelineClock {
    func announceSleeper() {
        (self as? any ConcurrentSleepersClock)?.expectSleeper()
    }

    func asSleeper<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        guard let clock = self as? any ConcurrentSleepersClock else { return try await body() }
        return try await clock.runSleeper(body)
    }
}
