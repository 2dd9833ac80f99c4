import Foundation
import Pipeline
import Testing

@Suite("The pipeline service and cancellation")
struct PipelineCancellationTests {
    @Test("cancelling the task that runs the pipeline ends it (not only a graceful shutdown)", .timeLimit(.minutes(1)))
    func cancelEnds() async throws {
        let harness = try PipelineHarness()
        let service = PipelineService(context: harness.context)
        let running = Task { try await service.run() }
        try await Task.sleep(for: .milliseconds(300))
        running.cancel()
        _ = try? await running.value
    }
}
