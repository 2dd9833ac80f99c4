import Logging
import Pipeline
import ServiceLifecycle
import WhatsApp

/// The pipeline of `siaran run --once`: waits (up to 30 s each) for the linked sessions to
/// connect, processes what is ready and due, and returns, which shuts the group down gracefully.
struct OncePass: Service {
    let pipeline: PipelineService
    let whatsapp: WhatsAppTransport?
    let logger: Logger

    func run() async throws {
        if let whatsapp {
            for session in whatsapp.sessions.values where !(await session.waitUntilConnected(timeout: .seconds(30))) {
                logger.warning("session \(session.name) did not connect within 30 s (is it linked? `siaran login \(session.name)`)")
            }
        }
        try await pipeline.run()
    }
}
