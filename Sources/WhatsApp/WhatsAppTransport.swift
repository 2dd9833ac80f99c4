public import Foundation
public import Transport

/// The pipeline's transport over linked WhatsApp sessions: each message goes out through the
/// session the pipeline chose; receipts and replies of every session come back on `events`.
public final class WhatsAppTransport: MessageTransport {
    public let sessions: [String: WhatsAppSession]
    public let events: AsyncStream<TransportEvent>
    /// Every session event, for the composition root (linking records, notices, status).
    public let sessionEvents: AsyncStream<(session: String, event: SessionEvent)>
    private let forwarders: [Task<Void, Never>]
    private let sink: AsyncStream<TransportEvent>.Continuation
    private let sessionSink: AsyncStream<(session: String, event: SessionEvent)>.Continuation

    public init(sessions: [WhatsAppSession]) {
        self.sessions = Dictionary(sessions.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let (events, sink) = AsyncStream.makeStream(of: TransportEvent.self)
        let (sessionEvents, sessionSink) = AsyncStream.makeStream(of: (session: String, event: SessionEvent).self)
        self.events = events
        self.sessionEvents = sessionEvents
        self.sink = sink
        self.sessionSink = sessionSink
        forwarders = sessions.map { session in
            Task {
                for await event in session.events {
                    sessionSink.yield((session.name, event))
                    switch event {
                    case .delivered(let id, let at): sink.yield(.delivered(messageId: id, at: at))
                    case .read(let id, let at): sink.yield(.read(messageId: id, at: at))
                    case .incoming(let phone, let id, let text, let at):
                        sink.yield(.reply(phone: phone, session: session.name, messageId: id, text: text, at: at))
                    default: break
                    }
                }
            }
        }
    }

    public func send(_ message: OutgoingMessage) async -> SendResult {
        guard let session = sessions[message.session] else {
            return .transientFailure(reason: "session \(message.session) is not configured (whatsapp.sessions)")
        }
        return await session.send(message)
    }

    public func isAvailable(session name: String) async -> Bool {
        guard let session = sessions[name] else { return false }
        return await session.canSend
    }

    public func start() async {
        for session in sessions.values { await session.start() }
    }

    public func stop() async {
        for session in sessions.values { await session.stop() }
        for forwarder in forwarders { forwarder.cancel() }
        // Listeners (the event recorder, the service) end with the transport.
        sink.finish()
        sessionSink.finish()
    }
}
