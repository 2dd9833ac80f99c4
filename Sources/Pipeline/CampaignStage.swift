/// Time as the pipeline sees it; tests inject a clock that does not sleep.
public protocol PipelineClock: Sendable {
    func now() -> Date
    func sleep(seconds: Double) async throws
}

public struct SystemPipelineClock: PipelineClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(seconds: Double) async throws {
        if seconds > 0 { try await Task.sleep(for: .milliseconds(Int64(seconds * 1000))) }
    }
}

public import Foundation
