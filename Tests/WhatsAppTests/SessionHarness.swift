import Foundation
import NIOSSL
import SiaranTestSupport
import Testing
import Transport
import WABinary
import WASocket
@testable import WhatsApp
import WhatsAppSimulator

/// A simulator and a Siaran session pointed at it, with the session's events collected.
final class SessionHarness: Sendable {
    let simulator: WhatsAppSimulator
    let root: URL
    let recorder = EventRecorder()
    /// How long a send waits for the server's ack. Generous by default so a loaded machine does not
    /// turn a slow ack into a failed send; tests of missing acks pass a short one.
    let ackTimeout: Duration
    /// The proxy the session connects and uploads through; nil connects directly.
    let proxy: ProxyConfiguration?

    init(accounts: [SimulatedAccount], mediaTLS: NIOSSLContext? = nil, ackTimeout: Duration = .seconds(20),
         proxy: ProxyConfiguration? = nil, perMessageDeflate: Bool = false) async throws {
        self.ackTimeout = ackTimeout
        self.proxy = proxy
        simulator = try await WhatsAppSimulator.start(accounts: accounts, mediaTLS: mediaTLS, perMessageDeflate: perMessageDeflate)
        root = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-wa-\(UUID().uuidString)")
    }

    var configuration: SessionConfiguration {
        var configuration = SessionConfiguration(endpoint: WhatsAppEndpoint(url: simulator.url, rootKey: simulator.rootKey, mediaScheme: "http"))
        configuration.backoffStep = 0.2
        configuration.ackTimeout = ackTimeout
        configuration.sendWaitForConnection = .seconds(60)
        configuration.noticesFolder = root.appendingPathComponent("outbox/sessions")
        configuration.proxy = proxy
        return configuration
    }

    func session(_ name: String = "utama") async throws -> WhatsAppSession {
        let session = try await WhatsAppSession(name: name, root: root, configuration: configuration)
        let recorder = recorder
        Task { for await event in session.events { await recorder.append(event) } }
        return session
    }

    /// Links a new session to `phone` by QR code and waits until it is connected.
    func linkedSession(phone: String, name: String = "utama") async throws -> WhatsAppSession {
        let seen = await recorder.count
        let session = try await session(name)
        await session.start()
        let qr = try await recorder.first(timeout: .seconds(60), after: seen) { if case .qrCode(let text, _) = $0 { text } else { nil } }
        try await simulator.scanQR(qr, phone: phone)
        _ = try await recorder.first(timeout: .seconds(60), after: seen) { $0 == .connected ? true : nil }
        return session
    }

    func close(_ sessions: WhatsAppSession...) async {
        for session in sessions { await session.stop() }
        await simulator.stop()
        try? FileManager.default.removeItem(at: root)
    }

    static func messageID() -> String {
        "3EB0" + (0..<9).map { _ in String(format: "%02X", UInt8.random(in: 0...255)) }.joined()
    }
}

/// Session events in arrival order, searchable with a timeout.
actor EventRecorder {
    private(set) var events: [SessionEvent] = []

    func append(_ event: SessionEvent) { events.append(event) }

    /// The first event (seen so far or arriving before `timeout`) that `match` maps to a value.
    func first<T: Sendable>(timeout: Duration, after index: Int = 0, _ match: @Sendable (SessionEvent) -> T?) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let found = events.dropFirst(index).lazy.compactMap(match).first { return found }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw WaitTimeout(description: "no matching event within \(timeout); saw \(events)")
    }

    var count: Int { events.count }
}

struct WaitTimeout: Error, CustomStringConvertible {
    var description: String
}

