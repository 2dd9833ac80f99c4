import Foundation
import WABinary
import WASocket

/// Carrying out what `SessionCore` decides: the connection, the timers, and the tasks behind them.
extension WhatsAppSession {
    /// Tells the core what happened and carries out its actions in order; work that reports back
    /// (linking, a failed pairing code) is fed in after the batch it came from.
    func feed(_ event: SessionCore.Event) async {
        var pending = [event]
        while !pending.isEmpty {
            for action in core.handle(pending.removeFirst()) {
                if let next = await perform(action) { pending.append(next) }
            }
        }
    }

    /// Feeds `event` only while `connection` is still the current one (a late answer from a
    /// connection already replaced must not steer the new one).
    func feed(_ event: SessionCore.Event, from connection: NodeConnection) async {
        guard self.connection === connection else { return }
        await feed(event)
    }

    private func perform(_ action: SessionCore.Action) async -> SessionCore.Event? {
        switch action {
        case .connect:
            track { await self.serveOneConnection() }
        case .send(let node):
            try? await connection?.send(node)
        case .recordLogin(let offset, let lid):
            if let offset { credentials.serverTimeOffset = offset }
            if let lid {
                credentials.lidJID = lid.description
                if let me = phone, directory.learn(phone: me, lid: lid.user) { await saveDirectory() }
            }
        case .saveCredentials:
            do { try await storage.saveCredentials(credentials) } catch { logger.error("could not save the session's credentials: \(error)") }
        case .discardCredentials:
            credentials = SessionCredentials(pushName: credentials.pushName)
            try? await storage.saveCredentials(credentials)
        case .emit(let event):
            emit(event)
        case .startTimer(let timer, let seconds):
            startTimer(timer, after: seconds)
        case .cancelTimer(let timer):
            cancelTimer(timer)
        case .closeConnection:
            await connection?.close()
        case .writeNotice(let text):
            writeNotice(text)
        case .log(let level, let text):
            logger.log(level: level, "\(text)")
        case .stateChanged(let state):
            logger.debug("state: \(state.rawValue)")
        case .sendKeepalive:
            guard let connection else { return nil }
            track {
                do {
                    _ = try await connection.query(xmlns: "w:p", type: "get", children: [], timeout: .seconds(10))
                    await self.feed(.keepaliveAnswered, from: connection)
                } catch {
                    await self.feed(.keepaliveFailed, from: connection)
                }
            }
        case .setUpAfterLogin:
            guard let connection else { return nil }
            track {
                do {
                    try await self.setUpAfterLogin(on: connection)
                    await self.feed(.readyAfterLogin, from: connection)
                } catch {
                    await self.feed(.connectionFailed("setting up after login failed: \(error)"), from: connection)
                }
            }
        case .requestPairingCode:
            guard let connection else { return nil }
            do { try await requestPairingCode(on: connection) } catch { return .connectionFailed("\(error)") }
        case .showQRCode(let ref, let index):
            await showQRCode(ref: ref, index: index)
        case .acceptPairing(let node):
            // Done before the next node is read: the 515 restart that follows must find us linked.
            guard let connection else { return nil }
            do {
                try await finishLinking(node, on: connection)
                return .linked
            } catch {
                return .connectionFailed("\(error)")
            }
        case .expireRestriction:
            let change = reachOut.expire(now: Date())
            if change != .none { await apply(change) }
        }
        return nil
    }

    /// One connection from handshake to close: the session's own stanzas go to their handlers,
    /// everything about the connection's life to the core.
    private func serveOneConnection() async {
        let connection: NodeConnection
        do {
            connection = try await openConnection()
        } catch let error as WhatsAppError {
            await feed(.connectFailed(SessionCore.ending(for: error)))
            return
        } catch {
            await feed(.connectFailed(.dropped("\(error)")))
            return
        }
        self.connection = connection
        await feed(.connectionOpened)
        await connection.start()
        for await node in connection.incoming {
            switch node.tag {
            case "message": await handleIncomingMessage(node, on: connection)
            case "receipt": await handleReceipt(node, on: connection)
            case "notification": await handleNotification(node, on: connection)
            default: await feed(.nodeArrived(node))
            }
        }
        await connection.close()
        if self.connection === connection {
            self.connection = nil
            await feed(.socketClosed)
        }
    }

    /// WebSocket, Noise handshake with the login payload (or the registration one when not linked).
    private func openConnection() async throws -> NodeConnection {
        let identity = try await storage.signalStore.identityKeyPair()
        let payload: Data
        if credentials.isLinked, let me = credentials.deviceJID.flatMap(JID.init(parsing:)) {
            payload = try ClientPayloads.login(phone: me.user, device: me.device, version: configuration.version)
        } else {
            guard let signed = try await storage.signalStore.signedPreKey(id: credentials.signedPreKeyId) else {
                throw WhatsAppError(.storage("the signed prekey is missing from \(storage.location)"))
            }
            payload = try ClientPayloads.registration(credentials: credentials, identity: identity, signedPreKey: signed, version: configuration.version)
        }
        let webSocket = try await WebSocketClient.connect(to: configuration.endpoint.url, proxy: configuration.proxy, timeout: configuration.connectTimeout)
        let socket = try await NoiseSocket.connectAsClient(
            over: webSocket, noiseKey: credentials.noiseKey, payload: payload,
            verifier: CertificateChainVerifier(rootKey: configuration.endpoint.rootKey), timeout: configuration.connectTimeout)
        return NodeConnection(socket: socket)
    }

    // MARK: - Tasks and timers

    /// Runs `work` as a task `stop()` will cancel and wait for; none starts while stopping.
    @discardableResult
    func track(_ work: @escaping @Sendable () async -> Void) -> Int? {
        guard !stopping else { return nil }
        nextTaskNumber += 1
        let number = nextTaskNumber
        tasks[number] = Task {
            await work()
            await self.untrack(number)
        }
        return number
    }

    private func untrack(_ number: Int) {
        tasks[number] = nil
    }

    /// Tasks still running (tests check that none outlives `stop()`).
    var runningTasks: Int { tasks.count }

    private func startTimer(_ timer: SessionCore.Timer, after seconds: Double) {
        cancelTimer(timer)
        nextTimerToken += 1
        let token = nextTimerToken
        guard let task = track({
            do { try await Task.sleep(for: .seconds(seconds)) } catch { return }
            await self.timerFired(timer, token: token)
        }) else { return }
        timers[timer] = (token, task)
    }

    private func cancelTimer(_ timer: SessionCore.Timer) {
        if let old = timers.removeValue(forKey: timer) { tasks[old.task]?.cancel() }
    }

    private func timerFired(_ timer: SessionCore.Timer, token: Int) async {
        guard timers[timer]?.token == token else { return }
        timers[timer] = nil
        await feed(.timerFired(timer))
    }
}
