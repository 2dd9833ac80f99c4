public import Dashboard
import Foundation
public import WhatsApp

/// The dashboard's handle on the daemon's WhatsApp sessions: state, QR codes, linking, logout.
public struct WhatsAppSessionControl: SessionControl {
    let transport: WhatsAppTransport
    let board: SessionBoard

    public init(transport: WhatsAppTransport, board: SessionBoard) {
        self.transport = transport
        self.board = board
    }

    public func sessions() async -> [SessionSnapshot] {
        var result: [SessionSnapshot] = []
        for name in transport.sessions.keys.sorted() {
            if let snapshot = await snapshot(name) { result.append(snapshot) }
        }
        return result
    }

    public func connect(session name: String, pairingPhone: String?) async throws -> SessionSnapshot {
        guard let session = transport.sessions[name] else {
            throw DashboardError(.notFound, "no session '\(name)'; configured sessions: \(transport.sessions.keys.sorted().joined(separator: ", ")) (whatsapp.sessions)")
        }
        let state = await session.state
        let linked = await session.isLinked
        if state == .connected || (linked && state != .loggedOut) {
            if [.stopped].contains(state) { await session.start() }
            return try await snapshotOrFail(name)
        }
        // Not linked: (re)start linking, by code when a phone number is given.
        if pairingPhone != nil || [.stopped, .loggedOut, .replaced, .banned].contains(state) {
            await session.stop()
        }
        await session.start(pairingPhone: pairingPhone)
        // Give the session a moment to show its first QR or code, so the answer carries it.
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if let entry = await board.entry(name), entry.qr != nil || entry.pairingCode != nil { break }
            if await session.state == .connected { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await snapshotOrFail(name)
    }

    public func disconnect(session name: String) async throws {
        guard let session = transport.sessions[name] else { throw DashboardError(.notFound, "no session '\(name)'") }
        try await session.logout()
        await board.record(name, .notice("logged out from the dashboard"))
    }

    private func snapshotOrFail(_ name: String) async throws -> SessionSnapshot {
        guard let snapshot = await snapshot(name) else { throw DashboardError(.notFound, "no session '\(name)'") }
        return snapshot
    }

    private func snapshot(_ name: String) async -> SessionSnapshot? {
        guard let session = transport.sessions[name] else { return nil }
        let state = await session.state
        let entry = await board.entry(name)
        let linking = state == .linking || state == .notLinked
        let qr = linking ? entry?.qr : nil
        return SessionSnapshot(
            name: name, state: state.rawValue, phone: await session.phone, qr: qr, qrIndex: qr == nil ? nil : entry?.qrIndex,
            qrModules: qr.flatMap { QRCodeImage($0)?.modules }, pairingCode: linking ? entry?.pairingCode : nil,
            notice: entry?.notice, updatedAt: entry?.updatedAt ?? Date())
    }
}
