import Foundation
import Testing
import WABinary
@testable import WhatsApp

/// A clock tests move by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date(timeIntervalSince1970: 1_800_000_000)

    var now: Date { lock.withLock { current } }
    func advance(_ seconds: Double) { lock.withLock { current += seconds } }
}

/// A session core driven without sockets: events in, actions checked.
struct CoreDriver {
    let clock = ManualClock()
    var core: SessionCore

    /// - Parameter jitter: where in each random range the core's draws fall (0 lowest, 1 highest).
    init(linked: Bool = true, jitter: Double = 0.5) {
        var configuration = SessionConfiguration()
        configuration.sendWaitForConnection = .seconds(30)
        let clock = clock
        core = SessionCore(name: "utama", linked: linked, configuration: configuration, now: { clock.now },
                           random: { $0.lowerBound + ($0.upperBound - $0.lowerBound) * jitter })
    }

    @discardableResult
    mutating func send(_ event: SessionCore.Event) -> [SessionCore.Action] {
        core.handle(event)
    }

    @discardableResult
    mutating func node(_ node: Node) -> [SessionCore.Action] {
        core.handle(.nodeArrived(node))
    }

    /// Started, handshake done, `<success>`, set up: connected.
    mutating func connect() {
        send(.started(linked: core.linked, pairingByCode: false))
        reconnected()
    }

    /// From a `.connect` action to connected.
    mutating func reconnected() {
        send(.connectionOpened)
        node(Node("success", [("t", .string("1800000000"))]))
        send(.readyAfterLogin)
    }

    /// The server sends `node` and then the socket closes; the actions of both.
    mutating func ends(with node: Node) -> [SessionCore.Action] {
        let first = self.node(node)
        return first + send(.socketClosed)
    }
}

extension [SessionCore.Action] {
    var reconnectDelay: Double? {
        lazy.compactMap { if case .startTimer(.reconnect, let after) = $0 { after } else { nil } }.first
    }
    var stateChanges: [SessionState] { compactMap { if case .stateChanged(let state) = $0 { state } else { nil } } }
    var emitted: [SessionEvent] { compactMap { if case .emit(let event) = $0 { event } else { nil } } }
    var stoppedReason: String? { emitted.lazy.compactMap { if case .stopped(let reason) = $0 { reason } else { nil } }.first }
}

@Suite("Session core: the server's codes")
struct SessionCoreCodeTests {
    static func failure(_ reason: String, _ extra: [(key: String, value: Node.AttributeValue)] = []) -> Node {
        Node("failure", [("reason", .string(reason))] + extra)
    }

    @Test("failure 401, 403 and 406 log the device out for good: keys discarded, a notice, no reconnect",
          arguments: ["401", "403", "406"])
    func loggedOut(reason: String) {
        var driver = CoreDriver()
        driver.send(.started(linked: true, pairingByCode: false))
        driver.send(.connectionOpened)
        let actions = driver.ends(with: Self.failure(reason))
        #expect(actions.first == .closeConnection)
        #expect(driver.core.state == .loggedOut)
        #expect(actions.contains(.discardCredentials))
        #expect(actions.contains { if case .writeNotice(let text) = $0 { text.contains("failure \(reason)") } else { false } })
        #expect(actions.stoppedReason?.contains("siaran login") == true)
        #expect(actions.reconnectDelay == nil && !actions.contains(.connect))
        #expect(!driver.core.canSend(isLinked: true))
    }

    @Test("failure 402 is a temporary ban with the server's reason and expiry; the keys are kept")
    func banned() {
        var driver = CoreDriver()
        driver.send(.started(linked: true, pairingByCode: false))
        driver.send(.connectionOpened)
        let actions = driver.ends(with: Self.failure("402", [("code", .string("103")), ("expire", .string("3600"))]))
        #expect(driver.core.state == .banned)
        #expect(actions.stoppedReason?.contains("reason 103, for 3600 s") == true)
        #expect(!actions.contains(.discardCredentials) && actions.reconnectDelay == nil)
    }

    @Test("failure 405 stops the session: the client version is outdated")
    func outdated() {
        var driver = CoreDriver()
        driver.send(.started(linked: true, pairingByCode: false))
        driver.send(.connectionOpened)
        let actions = driver.ends(with: Self.failure("405"))
        #expect(driver.core.state == .stopped)
        #expect(actions.stoppedReason?.contains("outdated") == true)
        #expect(actions.reconnectDelay == nil && !actions.contains(.connect))
    }

    @Test("an unknown failure (500) is a refusal for now: reconnect with backoff")
    func otherFailure() {
        var driver = CoreDriver()
        driver.send(.started(linked: true, pairingByCode: false))
        driver.send(.connectionOpened)
        let actions = driver.ends(with: Self.failure("500"))
        #expect(driver.core.state == .waitingToReconnect)
        #expect(actions.reconnectDelay != nil)
    }

    @Test("a conflict (stream error 409 or none) means another client took over: stopped as replaced",
          arguments: [Optional("409"), nil])
    func replaced(code: String?) {
        var driver = CoreDriver()
        driver.connect()
        let node = Node("stream:error", code.map { [("code", .string($0))] } ?? [], content: .nodes([Node("conflict", [("type", .string("replaced"))])]))
        let actions = driver.ends(with: node)
        #expect(driver.core.state == .replaced)
        #expect(actions.stoppedReason?.contains("replaced") == true)
        #expect(!actions.contains(.discardCredentials) && actions.reconnectDelay == nil)
    }

    @Test("device_removed and stream error 401 log out for good")
    func deviceRemoved() {
        for node in [Node("stream:error", [("code", .string("401"))], content: .nodes([Node("conflict", [("type", .string("device_removed"))])])),
                     Node("stream:error", [("code", .string("401"))])] {
            var driver = CoreDriver()
            driver.connect()
            let actions = driver.ends(with: node)
            #expect(driver.core.state == .loggedOut)
            #expect(actions.contains(.discardCredentials))
            #expect(actions.contains { if case .writeNotice = $0 { true } else { false } })
            // A later start links again from scratch.
            #expect(driver.send(.started(linked: false, pairingByCode: false)).stateChanges == [.linking])
        }
    }

    @Test("stream error 503 and the end of the stream reconnect with backoff; the timer brings a new connection")
    func serverRestarting() {
        for node in [Node("stream:error", [("code", .string("503"))]), Node("xmlstreamend")] {
            var driver = CoreDriver()
            driver.connect()
            let actions = driver.ends(with: node)
            #expect(driver.core.state == .waitingToReconnect)
            #expect(actions.emitted.contains { if case .disconnected(_, let delay?) = $0 { delay > 0 } else { false } })
            #expect(actions.reconnectDelay != nil)
            #expect(driver.send(.timerFired(.reconnect)) == [.stateChanged(.connecting), .connect])
        }
    }

    @Test("stream error 515 reconnects at once, without backoff, and does not count as a failure")
    func restart() {
        var driver = CoreDriver()
        driver.connect()
        _ = driver.ends(with: Node("stream:error", [("code", .string("503"))]))
        driver.send(.timerFired(.reconnect))
        driver.send(.connectionOpened)
        let actions = driver.ends(with: Node("stream:error", [("code", .string("515"))]))
        #expect(actions.contains(.connect) && actions.reconnectDelay == nil)
        #expect(driver.core.failures == 0 && driver.core.state == .connecting)
    }

    @Test("ack errors: 463 restricts (never retried), 479 refetches devices, 429 and others are tried later")
    func ackErrors() {
        #expect(SessionCore.verdict(ackError: nil) == .accepted)
        #expect(SessionCore.verdict(ackError: "463") == .restricted)
        #expect(SessionCore.verdict(ackError: "479") == .invalidStanza)
        #expect(SessionCore.verdict(ackError: "429") == .retryLater("rate-overlimit (429): WhatsApp asks to slow down"))
        #expect(SessionCore.verdict(ackError: "500") == .retryLater("server refused the message (error 500)"))
        // Any ack, with an error or not, shows the server is answering.
        var driver = CoreDriver()
        driver.connect()
        driver.send(.ackTimedOut)
        driver.send(.ackTimedOut)
        driver.send(.ackArrived(error: "463"))
        #expect(driver.core.unacknowledgedSends == 0)
    }

    @Test("a server ping is answered; a call is acked; unknown nodes are ignored")
    func serverRequests() {
        var driver = CoreDriver()
        driver.connect()
        let ping = driver.node(Node("iq", [("id", .string("p1")), ("xmlns", .string("urn:xmpp:ping")), ("type", .string("get"))]))
        #expect(ping == [.send(Node("iq", [("to", .jid(.serverJID)), ("type", .string("result")), ("id", .string("p1"))]))])
        let call = driver.node(Node("call", [("id", .string("c1")), ("from", .string("123@lid"))]))
        #expect(call.count == 1 && { if case .send(let ack) = call[0] { ack.tag == "ack" && ack.string("class") == "call" } else { false } }())
        #expect(driver.node(Node("siaran-test-unknown")).allSatisfy { if case .log = $0 { true } else { false } })
        #expect(driver.core.state == .connected)
    }
}

@Suite("Session core: keepalive, backoff, QR codes, acks")
struct SessionCoreLifecycleTests {
    @Test("keepalive every 20–30 s; one failure is forgiven, two in a row rebuild the connection")
    func keepalive() {
        var driver = CoreDriver(jitter: 0)
        driver.send(.started(linked: true, pairingByCode: false))
        driver.send(.connectionOpened)
        driver.node(Node("success"))
        #expect(driver.send(.readyAfterLogin).contains(.startTimer(.keepalive, after: 20)))
        #expect(driver.send(.timerFired(.keepalive)) == [.sendKeepalive])
        #expect(driver.send(.keepaliveFailed) == [.startTimer(.keepalive, after: 20)])
        driver.send(.timerFired(.keepalive))
        #expect(driver.send(.keepaliveAnswered) == [.startTimer(.keepalive, after: 20)])
        driver.send(.keepaliveFailed)
        #expect(driver.send(.keepaliveFailed).contains(.closeConnection))
        let closed = driver.send(.socketClosed)
        #expect(closed.contains(.cancelTimer(.keepalive)) && closed.reconnectDelay != nil)
        #expect(driver.core.state == .waitingToReconnect)
        #expect(CoreDriver(jitter: 1).core.random(SessionConfiguration().keepaliveInterval) == 30)
    }

    @Test("backoff grows by 2 s per failure to a 60 s cap, within ±20 % jitter, and resets after a connection",
          arguments: [0.0, 0.5, 1.0])
    func backoff(jitter: Double) {
        var driver = CoreDriver(jitter: jitter)
        driver.connect()
        let factor = 0.8 + 0.4 * jitter
        var delays: [Double] = []
        for _ in 0..<40 {
            let actions = driver.send(.connectionOpened) + driver.send(.socketClosed)
            delays.append(actions.reconnectDelay ?? -1)
            driver.send(.timerFired(.reconnect))
        }
        for (index, delay) in delays.enumerated() {
            #expect(abs(delay - min(2 * Double(index + 1), 60) * factor) < 1e-9)
            #expect(delay >= min(2 * Double(index + 1), 60) * 0.8 && delay <= min(2 * Double(index + 1), 60) * 1.2)
        }
        #expect(delays.max()! <= 60 * 1.2)
        // Logged in once: the next loss starts from the first step again.
        driver.reconnected()
        #expect(driver.send(.socketClosed).reconnectDelay.map { abs($0 - 2 * factor) < 1e-9 } == true)
    }

    @Test("the first QR code lasts 60 s, later ones 20 s; when the refs run out the connection is dropped for new ones")
    func qrRotation() {
        var driver = CoreDriver(linked: false)
        #expect(driver.send(.started(linked: false, pairingByCode: false)) == [.stateChanged(.linking), .connect])
        driver.send(.connectionOpened)
        let refs = ["r1", "r2", "r3"]
        let pairDevice = Node("iq", [("id", .string("pd")), ("type", .string("set"))], content: .nodes([
            Node("pair-device", content: .nodes(refs.map { Node("ref", content: .bytes(Array($0.utf8))) })),
        ]))
        let first = driver.node(pairDevice)
        #expect(first.dropFirst() == [.showQRCode(ref: "r1", index: 0), .startTimer(.qrRotation, after: 60)])
        #expect(driver.send(.timerFired(.qrRotation)) == [.showQRCode(ref: "r2", index: 1), .startTimer(.qrRotation, after: 20)])
        #expect(driver.send(.timerFired(.qrRotation)) == [.showQRCode(ref: "r3", index: 2), .startTimer(.qrRotation, after: 20)])
        let expired = driver.send(.timerFired(.qrRotation))
        #expect(expired.contains(.closeConnection))
        #expect(expired.emitted.contains(.notice("the QR codes expired without a scan; fetching new ones")))
        let closed = driver.send(.socketClosed)
        #expect(closed.reconnectDelay != nil && driver.core.state == .waitingToReconnect)
        #expect(driver.send(.timerFired(.reconnect)) == [.stateChanged(.linking), .connect])
    }

    @Test("a scan stops the rotation; the restart after linking logs in")
    func scanned() {
        var driver = CoreDriver(linked: false)
        driver.send(.started(linked: false, pairingByCode: false))
        driver.send(.connectionOpened)
        driver.node(Node("iq", [("id", .string("pd"))], content: .nodes([Node("pair-device", content: .nodes([Node("ref", content: .bytes([0x31]))]))])))
        let success = Node("iq", [("id", .string("ps"))], content: .nodes([Node("pair-success")]))
        #expect(driver.node(success) == [.cancelTimer(.qrRotation), .acceptPairing(success)])
        driver.send(.linked)
        #expect(driver.send(.timerFired(.qrRotation)).isEmpty)
        let restart = driver.ends(with: Node("stream:error", [("code", .string("515"))]))
        #expect(restart.stateChanges == [.connecting] && restart.contains(.connect))
    }

    @Test("linking by code asks for a pairing code and shows no QR code")
    func pairingCode() {
        var driver = CoreDriver(linked: false)
        driver.send(.started(linked: false, pairingByCode: true))
        driver.send(.connectionOpened)
        let actions = driver.node(Node("iq", [("id", .string("pd"))], content: .nodes([Node("pair-device", content: .nodes([Node("ref", content: .bytes([0x31]))]))])))
        #expect(actions.dropFirst() == [.requestPairingCode])
        // A refused request drops the connection like any failed step.
        #expect(driver.send(.connectionFailed("linking failed")) == [.closeConnection])
    }

    @Test("three sends without an ack make the session unhealthy and rebuild the connection; a new login makes it healthy")
    func lostAcks() {
        var driver = CoreDriver()
        driver.connect()
        #expect(driver.send(.ackTimedOut).isEmpty)
        #expect(driver.send(.ackTimedOut).isEmpty)
        #expect(driver.core.canSend(isLinked: true))
        let third = driver.send(.ackTimedOut)
        #expect(third.contains(.closeConnection))
        #expect(third.emitted.contains(.notice("session utama: messages are not being acknowledged; reconnecting")))
        #expect(!driver.core.canSend(isLinked: true))
        // A fourth timeout on the closing connection does not close it twice.
        #expect(!driver.send(.ackTimedOut).contains(.closeConnection))
        driver.send(.socketClosed)
        driver.send(.timerFired(.reconnect))
        driver.reconnected()
        #expect(driver.core.canSend(isLinked: true) && driver.core.unacknowledgedSends == 0)
    }

    @Test("a session away longer than a send waits for a connection takes no new messages")
    func unreachable() {
        var driver = CoreDriver()
        driver.connect()
        driver.send(.connectionOpened)
        driver.send(.socketClosed)
        #expect(driver.core.canSend(isLinked: true))
        driver.clock.advance(29)
        #expect(driver.core.canSend(isLinked: true))
        driver.clock.advance(2)
        #expect(!driver.core.canSend(isLinked: true))
        driver.send(.timerFired(.reconnect))
        driver.reconnected()
        #expect(driver.core.canSend(isLinked: true))
        #expect(!driver.core.canSend(isLinked: false))
    }

    @Test("stop cancels every timer and closes; nothing reconnects afterwards")
    func stop() {
        var driver = CoreDriver()
        driver.connect()
        let actions = driver.send(.stopRequested)
        for timer in SessionCore.Timer.allCases { #expect(actions.contains(.cancelTimer(timer))) }
        #expect(actions.contains(.closeConnection) && driver.core.state == .stopped)
        let closed = driver.send(.socketClosed)
        #expect(closed.reconnectDelay == nil && !closed.contains(.connect))
        #expect(driver.send(.timerFired(.reconnect)).isEmpty)
        // A stop during the handshake closes the connection as soon as it opens.
        var early = CoreDriver()
        early.send(.started(linked: true, pairingByCode: false))
        early.send(.stopRequested)
        #expect(early.send(.connectionOpened) == [.closeConnection])
    }

    @Test("a restriction's end is a timer, half a second after its time; lifting it cancels the timer")
    func restrictionTimer() {
        var driver = CoreDriver()
        driver.connect()
        #expect(driver.send(.restrictionChanged(until: driver.clock.now.addingTimeInterval(100))) == [.startTimer(.restrictionEnd, after: 100.5)])
        #expect(driver.send(.timerFired(.restrictionEnd)) == [.expireRestriction])
        #expect(driver.send(.restrictionChanged(until: nil)) == [.cancelTimer(.restrictionEnd)])
    }

    @Test("success records the server's clock offset and our LID, saves them, then sets up")
    func success() {
        var driver = CoreDriver()
        driver.send(.started(linked: true, pairingByCode: false))
        driver.send(.connectionOpened)
        let actions = driver.node(Node("success", [("t", .string("1800000090")), ("lid", .jid(JID(user: "987", server: JID.Server.lid)))]))
        #expect(actions == [.recordLogin(serverTimeOffset: 90, lid: JID(user: "987", server: JID.Server.lid)), .saveCredentials, .setUpAfterLogin])
        #expect(driver.core.state == .connecting)
    }
}
