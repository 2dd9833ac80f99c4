/// Polls `condition` until it holds or `timeout` passes; returns whether it held. For tests that
/// wait on other processes or actors without sleeping a fixed time.
public func eventually(timeout: Duration = .seconds(60), _ condition: @Sendable () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(25))
    }
    return await condition()
}
