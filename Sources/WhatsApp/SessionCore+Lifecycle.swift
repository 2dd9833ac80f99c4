import Foundation
import WABinary

/// The connection's life: connecting, linking by QR or code, logging in, keepalive, acks, and
/// what each way of ending leads to.
extension SessionCore {
    mutating func handle(_ event: Event) -> [Action] {
        switch event {
        case .started(let linked, let byCode):
            self.linked = linked
            pairingByCode = byCode
            stopping = false
            failures = 0
            return connect()
        case .stopRequested:
            stopping = true
            var actions = Timer.allCases.map(Action.cancelTimer)
            if connectionOpen { actions.append(.closeConnection) }
            if !Self.stoppedForGood.contains(state) { actions += change(to: .stopped) }
            return actions
        case .unlinked:
            linked = false
            return change(to: .loggedOut)
        case .connectionOpened:
            connectionOpen = true
            ending = nil
            keepaliveFailures = 0
            // `stop()` may have come during the handshake, before there was a connection to close.
            return stopping ? [.closeConnection] : []
        case .connectFailed(let ending):
            return stopping ? [] : after(ending)
        case .nodeArrived(let node):
            return handle(node)
        case .linked:
            linked = true
            return [.cancelTimer(.qrRotation)]
        case .readyAfterLogin:
            guard connectionOpen, ending == nil, !stopping else { return [] }
            // A fresh connection gets a fresh chance: the pipeline offers messages again.
            unacknowledgedSends = 0
            unreachableSince = nil
            failures = 0
            return change(to: .connected) + [.log(.info, "connected"), .emit(.connected), nextKeepalive()]
        case .connectionFailed(let reason):
            return end(.dropped(reason))
        case .socketClosed:
            guard connectionOpen else { return [] }
            connectionOpen = false
            let actions: [Action] = [.cancelTimer(.keepalive), .cancelTimer(.qrRotation)]
            let ending = self.ending ?? .dropped("the connection closed")
            self.ending = nil
            return stopping ? actions : actions + after(ending)
        case .timerFired(let timer):
            return fired(timer)
        case .keepaliveAnswered:
            keepaliveFailures = 0
            return state == .connected && ending == nil ? [nextKeepalive()] : []
        case .keepaliveFailed:
            guard state == .connected, ending == nil else { return [] }
            keepaliveFailures += 1
            guard keepaliveFailures >= 2 else { return [nextKeepalive()] }
            return [.log(.warning, "keepalive failed twice; reconnecting")] + end(.dropped("keepalive failed twice"))
        case .ackArrived:
            unacknowledgedSends = 0
            return []
        case .ackTimedOut:
            unacknowledgedSends += 1
            guard unacknowledgedSends >= 3, connectionOpen, ending == nil else { return [] }
            return [.log(.warning, "three sends without a server ack; rebuilding the connection"),
                    .emit(.notice("session \(name): messages are not being acknowledged; reconnecting"))]
                + end(.dropped("messages were not acknowledged"))
        case .restrictionChanged(let until):
            guard let until else { return [.cancelTimer(.restrictionEnd)] }
            // Half a second late, so the restriction has surely ended when it is looked at.
            return [.startTimer(.restrictionEnd, after: max(0, until.timeIntervalSince(now())) + 0.5)]
        }
    }

    private mutating func handle(_ node: Node) -> [Action] {
        switch node.tag {
        case "success":
            let offset = node.string("t").flatMap(Double.init).map { $0 - now().timeIntervalSince1970 }
            let lid = node.jid("lid").flatMap { $0.isLID ? $0 : nil }
            return [.recordLogin(serverTimeOffset: offset, lid: lid), .saveCredentials, .setUpAfterLogin]
        case "failure":
            return end(Self.ending(failure: node))
        case "stream:error":
            return end(Self.ending(streamError: node))
        case "xmlstreamend":
            return end(.dropped("the server ended the stream"))
        case "iq":
            return serverRequest(node)
        case "call":
            guard let id = node.string("id") else { return [] }
            return [.send(Self.ack(for: node, id: id))]
        case "ack", "ib", "presence", "chatstate":
            return []
        default:
            return [.log(.debug, "ignored a <\(node.tag)> node")]
        }
    }

    /// The server's own requests: linking (`pair-device`, `pair-success`) and pings.
    private mutating func serverRequest(_ node: Node) -> [Action] {
        guard let id = node.string("id") else { return [] }
        let result = Node("iq", [("to", .jid(.serverJID)), ("type", .string("result")), ("id", .string(id))])
        if let pairDevice = node.child("pair-device") {
            if pairingByCode { return [.send(result), .requestPairingCode] }
            qrRefs = pairDevice.children.filter { $0.tag == "ref" }.compactMap { $0.bytes.map { String(decoding: $0, as: UTF8.self) } }
            qrIndex = 0
            return [.send(result)] + showQRCode()
        }
        if node.child("pair-success") != nil { return [.cancelTimer(.qrRotation), .acceptPairing(node)] }
        if node.string("xmlns") == "urn:xmpp:ping" { return [.send(result)] }
        return []
    }

    /// The QR code for the current ref; the first lasts 60 s, later ones 20 s, as WhatsApp Web
    /// does. When the refs run out the connection is dropped, and the next one brings new refs.
    private mutating func showQRCode() -> [Action] {
        guard qrIndex < qrRefs.count else {
            return [.emit(.notice("the QR codes expired without a scan; fetching new ones"))] + end(.dropped("the QR codes expired without a scan"))
        }
        return [.showQRCode(ref: qrRefs[qrIndex], index: qrIndex), .startTimer(.qrRotation, after: qrIndex == 0 ? 60 : 20)]
    }

    private mutating func fired(_ timer: Timer) -> [Action] {
        switch timer {
        case .reconnect:
            return !stopping && state == .waitingToReconnect ? connect() : []
        case .keepalive:
            return connectionOpen && state == .connected && ending == nil ? [.sendKeepalive] : []
        case .qrRotation:
            guard connectionOpen, !linked, ending == nil else { return [] }
            qrIndex += 1
            return showQRCode()
        case .restrictionEnd:
            return [.expireRestriction]
        }
    }

    private mutating func connect() -> [Action] {
        change(to: linked ? .connecting : .linking) + [.connect]
    }

    /// Pings every 20–30 s (whatsmeow's interval); two failures in a row rebuild the connection.
    private func nextKeepalive() -> Action {
        .startTimer(.keepalive, after: random(configuration.keepaliveInterval))
    }

    /// Closes the open connection for `ending`; what follows is decided when the socket closes.
    private mutating func end(_ ending: Ending) -> [Action] {
        guard connectionOpen, self.ending == nil else { return [] }
        self.ending = ending
        return [.closeConnection]
    }

    /// What comes after a connection ended (or could not be opened).
    private mutating func after(_ ending: Ending) -> [Action] {
        switch ending {
        case .restart:
            failures = 0
            return [.log(.info, "reconnecting at the server's request (515)")] + connect()
        case .permanent(let newState, let reason):
            var actions = change(to: newState) + [.cancelTimer(.reconnect), .log(.error, "session stopped: \(reason)"),
                                                  .writeNotice(reason), .emit(.stopped(reason: reason))]
            if newState == .loggedOut {
                linked = false
                actions.append(.discardCredentials)
            }
            return actions
        case .dropped(let reason):
            failures += 1
            let delay = reconnectDelay(failures: failures)
            if unreachableSince == nil { unreachableSince = now() }
            return change(to: .waitingToReconnect) + [
                .log(.warning, "connection lost (\(reason)); reconnecting in \(String(format: "%.1f", delay)) s"),
                .emit(.disconnected(reason: reason, reconnectIn: delay)),
                .startTimer(.reconnect, after: delay),
            ]
        }
    }

    private mutating func change(to newState: SessionState) -> [Action] {
        state = newState
        return [.stateChanged(newState)]
    }
}
