import Foundation
import WABinary
import WASocket

/// One live, authenticated connection: binary nodes in and out over a `NoiseSocket`.
///
/// A single reader task decodes every frame. Answers to our `<iq>` requests and the server's
/// `<ack>` for our messages go straight to whoever waits for them; everything else is handed
/// on in order through `incoming`, so a handler that itself waits for an answer never blocks
/// the reader.
actor NodeConnection {
    private let socket: NoiseSocket
    nonisolated let incoming: AsyncStream<Node>
    private let incomingSink: AsyncStream<Node>.Continuation
    private var waiters: [String: CheckedContinuation<Node, any Error>] = [:]
    /// Each waiter's timer, cancelled when its answer comes: a timer left sleeping after the
    /// answer kept a task alive for the whole timeout (60 s per query) for nothing.
    private var timers: [String: Task<Void, Never>] = [:]
    private var closedError: (any Error)?
    private var counter = 0
    private let idPrefix = "\(UInt8.random(in: 0...255)).\(UInt8.random(in: 0...255))-"
    /// When the last frame arrived; the keepalive uses it to judge the connection.
    private(set) var lastReceived = Date()

    /// The proxy the connection goes through (the session's), for its media uploads.
    nonisolated let proxy: ProxyConfiguration?

    init(socket: NoiseSocket) {
        proxy = socket.connection.proxy
        self.socket = socket
        (incoming, incomingSink) = AsyncStream.makeStream(of: Node.self)
    }

    private var reader: Task<Void, Never>?

    /// Starts the reader; `incoming` finishes when the socket closes.
    func start() {
        guard reader == nil else { return }
        reader = Task { await self.readLoop() }
    }

    private func readLoop() async {
        do {
            while let frame = try await socket.receive() {
                lastReceived = Date()
                let node: Node
                do { node = try BinaryDecoder().decodeFrame([UInt8](frame)) } catch { continue }
                route(node)
            }
            finish(WhatsAppError(.notConnected, "the server closed the connection"))
        } catch {
            finish(error)
        }
    }

    private func route(_ node: Node) {
        if node.tag == "iq", let id = node.string("id"), let type = node.string("type"), type == "result" || type == "error",
           let waiter = takeWaiter("iq:" + id) {
            waiter.resume(returning: node)
            return
        }
        if node.tag == "ack", node.string("class") == "message", let id = node.string("id"),
           let waiter = takeWaiter("ack:" + id) {
            waiter.resume(returning: node)
            return
        }
        incomingSink.yield(node)
    }

    private func finish(_ error: any Error) {
        guard closedError == nil else { return }
        closedError = error
        for waiter in waiters.values { waiter.resume(throwing: WhatsAppError(.notConnected, "connection closed while waiting")) }
        waiters.removeAll()
        for timer in timers.values { timer.cancel() }
        timers.removeAll()
        incomingSink.finish()
    }

    var isClosed: Bool { closedError != nil }

    func nextID() -> String {
        counter += 1
        return idPrefix + String(counter)
    }

    func send(_ node: Node) async throws {
        if closedError != nil { throw WhatsAppError(.notConnected) }
        try await socket.send(Data(try BinaryEncoder().encodeFrame(node)))
    }

    /// Sends an `<iq>` (its `id` is set here) and returns the `result`; an `error` answer throws.
    func query(xmlns: String, type: String, to: JID = .serverJID, children: [Node], timeout: Duration = .seconds(60)) async throws -> Node {
        let id = nextID()
        let node = Node("iq", [("id", .string(id)), ("xmlns", .string(xmlns)), ("type", .string(type)), ("to", .jid(to))],
                        content: children.isEmpty ? .none : .nodes(children))
        let answer = try await sendAndWait(node, key: "iq:" + id, timeout: timeout, what: "iq \(xmlns) \(type)")
        if answer.string("type") == "error" {
            let error = answer.child("error")
            throw WhatsAppError(.serverError(code: Int(error?.string("code") ?? "") ?? 0, text: error?.string("text") ?? ""))
        }
        return answer
    }

    /// Sends a `<message>` and returns the server's `<ack class="message">` for its id.
    func sendMessage(_ node: Node, id: String, timeout: Duration) async throws -> Node {
        try await sendAndWait(node, key: "ack:" + id, timeout: timeout, what: "server ack for message \(id)")
    }

    private func sendAndWait(_ node: Node, key: String, timeout: Duration, what: String) async throws -> Node {
        if let closedError { throw WhatsAppError(.notConnected, "\(closedError)") }
        return try await withCheckedThrowingContinuation { continuation in
            waiters[key] = continuation
            Task {
                do { try await self.send(node) } catch { self.fail(key, error) }
            }
            timers[key] = Task {
                do { try await Task.sleep(for: timeout) } catch { return }  // cancelled: the answer came
                self.fail(key, WhatsAppError(.timeout(what)))
            }
        }
    }

    private func fail(_ key: String, _ error: any Error) {
        takeWaiter(key)?.resume(throwing: error)
    }

    /// The waiter for `key`, if still waiting, with its timer stopped.
    private func takeWaiter(_ key: String) -> CheckedContinuation<Node, any Error>? {
        timers.removeValue(forKey: key)?.cancel()
        return waiters.removeValue(forKey: key)
    }

    /// Queries and messages still waiting for an answer, and their running timers (for tests).
    var waiting: (answers: Int, timers: Int) { (waiters.count, timers.count) }

    /// Closes the socket and returns once the reader has ended (no task outlives the connection).
    func close() async {
        finish(WhatsAppError(.notConnected, "closed by us"))
        await socket.close()
        await reader?.value
    }
}

extension Node {
    /// Bytes content of a child, if present.
    func childData(_ tag: String) -> Data? {
        child(tag)?.bytes.map { Data($0) }
    }
}
