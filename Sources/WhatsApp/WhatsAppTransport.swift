public import Foundation
import Synchronization
public import Transport

/// The pipeline's transport over linked WhatsApp sessions: each message goes out through the
/// session the pipeline chose; receipts and replies of every session come back on `events`.
///
/// Sessions can be added or replaced while it runs (a number linked from the dashboard, or one
/// linked again after a logout): each gets its own event forwarder.
public final class WhatsAppTransport: MessageTransport {
    public let events: AsyncStream<TransportEvent>
    /// Every session event, for the composition root (linking records, notices, status).
    public let sessionEvents: AsyncStream<(session: String, event: SessionEvent)>
    private let sink: AsyncStream<TransportEvent>.Continuation
    private let sessionSink: AsyncStream<(session: String, event: SessionEvent)>.Continuation

    private struct Running {
        var sessions: [String: WhatsAppSession] = [:]
        var forwarders: [ObjectIdentifier: Task<Void, Never>] = [:]
        var started = false
        var stopped = false
    }
    private let running = Mutex(Running())

    public init(sessions: [WhatsAppSession]) {
        let (events, sink) = AsyncStream.makeStream(of: TransportEvent.self)
        let (sessionEvents, sessionSink) = AsyncStream.makeStream(of: (session: String, event: SessionEvent).self)
        self.events = events
        self.sessionEvents = sessionEvents
        self.sink = sink
        self.sessionSink = sessionSink
        for session in sessions where self.session(session.name) == nil { attach(session) }
    }

    /// The sessions by name, as they are now.
    public var sessions: [String: WhatsAppSession] { running.withLock { $0.sessions } }

    public func session(_ name: String) -> WhatsAppSession? { running.withLock { $0.sessions[name] } }

    public func sessionNames() async -> [String] { running.withLock { $0.sessions.keys.sorted() } }

    /// Adds `session`, or puts it in place of the one with its name (which is stopped first).
    /// With `start`, it is started when the transport runs; otherwise the caller starts it.
    public func add(_ session: WhatsAppSession, start: Bool = true) async {
        let previous = running.withLock { $0.sessions[session.name] }
        if let previous, previous !== session {
            await previous.stop()
            running.withLock { state in
                state.forwarders.removeValue(forKey: ObjectIdentifier(previous))?.cancel()
            }
        }
        attach(session)
        if start, running.withLock({ $0.started && !$0.stopped }) { await session.start() }
    }

    /// Stops `name` and forgets it (its folder stays unless the caller removes it).
    public func remove(_ name: String) async {
        guard let session = running.withLock({ $0.sessions.removeValue(forKey: name) }) else { return }
        await session.stop()
        running.withLock { $0.forwarders.removeValue(forKey: ObjectIdentifier(session))?.cancel() }
    }

    private func attach(_ session: WhatsAppSession) {
        let sink = sink, sessionSink = sessionSink
        let forwarder = Task {
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
        running.withLock { state in
            state.sessions[session.name] = session
            state.forwarders[ObjectIdentifier(session)] = forwarder
        }
    }

    public func send(_ message: OutgoingMessage) async -> SendResult {
        guard let session = session(message.session) else {
            return .transientFailure(reason: "session \(message.session) is not running (whatsapp.sessions, or link it from the dashboard)")
        }
        return await session.send(message)
    }

    public func isAvailable(session name: String) async -> Bool {
        guard let session = session(name) else { return false }
        return await session.canSend
    }

    public func restrictedUntil(session name: String) async -> Date? {
        await session(name)?.restriction?.until
    }

    /// Starts the transport and its sessions, or only those named in `only` (a worker of a
    /// cluster starts each session when it holds the session's lease; see `startSession`).
    public func start(only: Set<String>? = nil) async {
        let sessions = running.withLock { state in
            state.started = true
            return Array(state.sessions.values)
        }
        for session in sessions where only?.contains(session.name) ?? true { await session.start() }
    }

    /// Starts one session of a running transport (its lease was just taken).
    public func startSession(_ name: String) async {
        guard running.withLock({ $0.started && !$0.stopped }) else { return }
        await session(name)?.start()
    }

    /// Stops one session and keeps it (its lease was lost or released); `startSession` starts it again.
    public func stopSession(_ name: String) async {
        await session(name)?.stop()
    }

    public func stop() async {
        let (sessions, forwarders) = running.withLock { state in
            state.stopped = true
            return (Array(state.sessions.values), Array(state.forwarders.values))
        }
        for session in sessions { await session.stop() }
        for forwarder in forwarders { forwarder.cancel() }
        // Listeners (the event recorder, the service) end with the transport.
        sink.finish()
        sessionSink.finish()
    }
}
