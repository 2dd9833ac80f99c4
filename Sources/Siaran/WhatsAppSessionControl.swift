public import Dashboard
public import Foundation
public import WhatsApp

/// The dashboard's handle on the daemon's WhatsApp sessions: state, QR codes, linking, logout.
///
/// `connect` links a configured session, adds a new number under a new name, or links a
/// logged-out one again; a logged-out session object is finished, so a fresh one is opened
/// (new folder, new identity) with `open`.
public struct WhatsAppSessionControl: SessionControl {
    let transport: WhatsAppTransport
    let board: SessionBoard
    /// Where session folders live (`state/sessions`).
    let sessionsRoot: URL
    /// Opens session `name` from its folder with the daemon's settings.
    let open: @Sendable (String) async throws -> WhatsAppSession
    /// How long `connect` waits for the first QR or pairing code, so its answer carries it.
    let firstCodeWait: Duration
    /// Deletes a session's state before it is linked afresh (its folder, or its rows on PostgreSQL).
    let removeState: @Sendable (String) async -> Void
    /// On a cluster: takes the session's lease for this worker before it connects.
    let takeLease: (@Sendable (String) async throws -> SessionLeaseTaker.Outcome)?

    public init(transport: WhatsAppTransport, board: SessionBoard, sessionsRoot: URL, firstCodeWait: Duration = .seconds(5),
                removeState: (@Sendable (String) async -> Void)? = nil,
                takeLease: (@Sendable (String) async throws -> SessionLeaseTaker.Outcome)? = nil,
                open: @escaping @Sendable (String) async throws -> WhatsAppSession) {
        self.transport = transport
        self.board = board
        self.sessionsRoot = sessionsRoot
        self.firstCodeWait = firstCodeWait
        self.removeState = removeState ?? { name in SessionFolder.remove(root: sessionsRoot, name: name) }
        self.takeLease = takeLease
        self.open = open
    }

    public func sessions() async -> [SessionSnapshot] {
        var result: [SessionSnapshot] = []
        for name in transport.sessions.keys.sorted() {
            if let snapshot = await snapshot(name) { result.append(snapshot) }
        }
        return result
    }

    public func connect(session name: String, pairingPhone: String?) async throws -> SessionSnapshot {
        guard SessionName.isValid(name) else {
            throw DashboardError(.badRequest, "'\(name)' is not a valid session name: use 1–32 letters, digits, - or _")
        }
        // On a cluster a number connects only under this worker's lease; one another worker
        // holds is linked from there (two connections would replace each other).
        if let takeLease, case .heldElsewhere(let owner) = try await takeLease(name) {
            throw DashboardError(.conflict, "session '\(name)' is connected by worker \(owner ?? "another worker") of this cluster; link or stop it from that worker's dashboard, or wait until it leaves")
        }
        if let session = transport.session(name) {
            let state = await session.state
            if await session.isLinked && state != .loggedOut {
                // Linked already: make sure it runs (after a stop, a replacement or a ban has passed).
                if [.stopped, .replaced, .banned].contains(state) {
                    await session.stop()
                    await session.start()
                }
                return try await snapshotOrFail(name)
            }
            if state != .loggedOut {
                // Not linked yet: restart linking, by code when a phone number is given.
                await session.stop()
                await board.linkingStarted(name)
                await session.start(pairingPhone: pairingPhone)
                return try await waitForFirstCode(name, session)
            }
        }
        // A new number, or one logged out: fresh state and a fresh session object.
        await removeState(name)
        let session = try await open(name)
        await transport.add(session, start: false)
        await board.linkingStarted(name)
        await session.start(pairingPhone: pairingPhone)
        return try await waitForFirstCode(name, session)
    }

    public func disconnect(session name: String) async throws {
        guard let session = transport.session(name) else { throw DashboardError(.notFound, "no session '\(name)'") }
        try await session.logout()
        await board.record(name, .stopped(reason: "logged out from the dashboard"))
    }

    /// Gives the session a moment to show its first QR or code.
    private func waitForFirstCode(_ name: String, _ session: WhatsAppSession) async throws -> SessionSnapshot {
        let deadline = ContinuousClock.now + firstCodeWait
        while ContinuousClock.now < deadline {
            if let entry = await board.entry(name), entry.qr != nil || entry.pairingCode != nil { break }
            if await session.state == .connected { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await snapshotOrFail(name)
    }

    private func snapshotOrFail(_ name: String) async throws -> SessionSnapshot {
        guard let snapshot = await snapshot(name) else { throw DashboardError(.notFound, "no session '\(name)'") }
        return snapshot
    }

    private func snapshot(_ name: String) async -> SessionSnapshot? {
        guard let session = transport.session(name) else { return nil }
        let state = await session.state
        let entry = await board.entry(name)
        let linking = state == .linking || state == .notLinked
        let qr = linking ? entry?.qr : nil
        return SessionSnapshot(
            name: name, state: state.rawValue, phone: await session.phone, qr: qr, qrIndex: qr == nil ? nil : entry?.qrIndex,
            qrModules: qr.flatMap { QRCodeImage($0)?.modules }, pairingCode: linking ? entry?.pairingCode : nil,
            notice: entry?.notice, updatedAt: entry?.updatedAt ?? Date(), restrictedUntil: await session.restriction?.until)
    }
}
