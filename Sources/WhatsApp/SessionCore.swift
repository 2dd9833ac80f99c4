import Foundation
public import Logging
import WABinary

/// What a session decides about its connection, as a value: events in, actions out, no I/O
/// (postgres-nio's `ConnectionStateMachine` habit).
///
/// `WhatsAppSession` tells it what happened (a node arrived, a timer fired, the socket closed, an
/// ack came or did not) and carries out the actions it returns, in order. The clock and the random
/// source come from outside, so tests drive every lifecycle path with a manual clock and no socket.
/// The lifecycle is in `SessionCore+Lifecycle.swift`, the server's codes in `SessionCore+Codes.swift`.
struct SessionCore: Sendable {
    /// The timers a session keeps; starting one replaces the one running under the same id.
    enum Timer: Hashable, Sendable, CaseIterable {
        case reconnect, keepalive, qrRotation, restrictionEnd
    }

    enum Event: Sendable {
        /// `start()`: connect, linking first when not linked (by pairing code when asked).
        case started(linked: Bool, pairingByCode: Bool)
        case stopRequested
        /// `logout()` unlinked this device.
        case unlinked
        /// The Noise handshake succeeded; nodes follow until `socketClosed`.
        case connectionOpened
        /// Connecting failed before there was a connection.
        case connectFailed(Ending)
        /// A lifecycle node: `success`, `failure`, `stream:error`, `xmlstreamend`, a server `iq`
        /// (pair-device, pair-success, ping), `call`, or anything else nobody handles.
        case nodeArrived(Node)
        /// The phone's pair-success checked out and the new identity is saved.
        case linked
        /// Prekeys, passive mode and presence are set after `<success>`: ready to send.
        case readyAfterLogin
        /// Work the session did for this connection failed (linking, the setup after login).
        case connectionFailed(String)
        case socketClosed
        case timerFired(Timer)
        case keepaliveAnswered
        case keepaliveFailed
        /// The server acknowledged a message, with an `error` code or none.
        case ackArrived(error: String?)
        /// A message got no ack in time.
        case ackTimedOut
        /// The account is restricted from new chats until then (nil: no longer).
        case restrictionChanged(until: Date?)
    }

    enum Action: Sendable, Equatable {
        /// Open a connection (login payload when linked, registration payload when not).
        case connect
        case send(Node)
        /// Keep what `<success>` says: the server's clock offset and our LID.
        case recordLogin(serverTimeOffset: Double?, lid: JID?)
        case saveCredentials
        /// Logged out for good: a removed device's keys are useless and must not be reused.
        case discardCredentials
        case emit(SessionEvent)
        case startTimer(Timer, after: Double)
        case cancelTimer(Timer)
        case closeConnection
        /// A plain-language line in `NOTICE.txt` for staff.
        case writeNotice(String)
        case log(Logger.Level, String)
        case stateChanged(SessionState)
        /// Ping the server (`w:p`); answer with `keepaliveAnswered` or `keepaliveFailed`.
        case sendKeepalive
        /// Count and upload prekeys, go passive, set presence; answer with `readyAfterLogin`.
        case setUpAfterLogin
        /// Ask for a pairing code for the number given to `start(pairingPhone:)`.
        case requestPairingCode
        case showQRCode(ref: String, index: Int)
        /// Check the phone's pair-success and answer it; answer with `linked` or `connectionFailed`.
        case acceptPairing(Node)
        /// The reach-out restriction's time is up: lift it.
        case expireRestriction
    }

    /// How a connection ended, and so what comes next.
    enum Ending: Sendable, Equatable {
        /// The server asked for a fresh connection (515): at once, no backoff.
        case restart
        /// Lost or refused for now: reconnect with backoff.
        case dropped(String)
        /// Over for good (logged out, replaced, banned, outdated): stop in this state.
        case permanent(SessionState, String)
    }

    let name: String
    let configuration: SessionConfiguration
    let now: @Sendable () -> Date
    /// A number in the range (jitter, keepalive intervals).
    let random: @Sendable (ClosedRange<Double>) -> Double

    var state: SessionState
    /// Consecutive sends the server did not acknowledge; unhealthy from 3.
    var unacknowledgedSends = 0
    /// When the connection was lost (nil while connected, and before the first try).
    var unreachableSince: Date?
    /// Connections lost in a row since the last one that logged in; the backoff grows with it.
    var failures = 0
    var linked: Bool
    var pairingByCode = false
    var stopping = false
    var connectionOpen = false
    /// Why the open connection is being closed, decided before the socket actually closes.
    var ending: Ending?
    var keepaliveFailures = 0
    var qrRefs: [String] = []
    var qrIndex = 0

    init(name: String, linked: Bool, configuration: SessionConfiguration,
         now: @escaping @Sendable () -> Date = { Date() },
         random: @escaping @Sendable (ClosedRange<Double>) -> Double = { Double.random(in: $0) }) {
        self.name = name
        self.linked = linked
        self.configuration = configuration
        self.now = now
        self.random = random
        self.state = linked ? .connecting : .notLinked
    }

    static let stoppedForGood: Set<SessionState> = [.loggedOut, .replaced, .banned]

    /// Whether the pipeline should give this session messages: linked, not stopped for good, the
    /// server acknowledging what it sends, and not unreachable for longer than a send waits for a
    /// connection (`sendWaitForConnection`). Past that it takes no more messages until connected
    /// again: otherwise every message offered during a long outage would spend one of its attempts
    /// waiting, and a few minutes without the server would fail messages that could simply wait.
    func canSend(isLinked: Bool) -> Bool {
        guard isLinked, unacknowledgedSends < 3 else { return false }
        switch state {
        case .connected: return true
        case .connecting, .waitingToReconnect:
            guard let since = unreachableSince else { return true }
            let (seconds, attoseconds) = configuration.sendWaitForConnection.components
            return now().timeIntervalSince(since) < Double(seconds) + Double(attoseconds) / 1e18
        default: return false
        }
    }

    /// The wait before reconnecting after `failures` lost connections in a row: 2 s per failure
    /// up to the cap (whatsmeow's steps), ±20 % so many sessions do not reconnect in step.
    func reconnectDelay(failures: Int) -> Double {
        min(configuration.backoffStep * Double(failures), configuration.backoffCap) * random(0.8...1.2)
    }
}
