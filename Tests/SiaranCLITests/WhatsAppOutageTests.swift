import Foundation
import SiaranTestSupport
import Testing
import WhatsApp
import WhatsAppSimulator

/// The WhatsApp server is unreachable for two minutes in the middle of a campaign the real daemon
/// sends through the native client. The daemon reaches the simulator through a small TCP relay
/// (Python, a child process) that the test kills and starts again on the same port: to the daemon
/// the server is gone (connections cut, new ones refused) while the simulator keeps its accounts,
/// as the real service does across an outage.
///
/// Two minutes, not more: the client's reconnect pause doubles from 2 s to its 60 s cap within the
/// first minute, so after two minutes it already retries at its longest interval; a longer outage
/// repeats that same state.
@Suite("WhatsApp server unreachable during a campaign", .serialized)
struct WhatsAppOutageTests {
    static let sender = "6281100000001"

    /// Starts the relay on `port` (0: any free one) to `target`; answers the process and its port.
    private func relay(port: Int, to target: Int, errors: URL) async throws -> (ChildProcess, Int) {
        let script = """
            import asyncio, os, socket, sys
            port, target = int(sys.argv[1]), int(sys.argv[2])
            async def pipe(reader, writer):
                try:
                    while data := await reader.read(65536):
                        writer.write(data)
                        await writer.drain()
                except Exception:
                    pass
                finally:
                    writer.close()
            async def handle(client_reader, client_writer):
                try:
                    server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target)
                except Exception:
                    client_writer.close()
                    return
                await asyncio.gather(pipe(client_reader, server_writer), pipe(server_reader, client_writer))
            async def main():
                server = await asyncio.start_server(handle, "127.0.0.1", port, reuse_address=True)
                # One write, and none after it: print() wrote the port and its newline separately,
                # and the test, having read the port, closed the pipe in between; the newline's
                # write then raised BrokenPipeError and the relay died before its first client.
                os.write(1, f"{server.sockets[0].getsockname()[1]}\\n".encode())
                async with server:
                    await server.serve_forever()
            asyncio.run(main())
            """
        let output = try closeOnExecPipe()
        // Its own errors (a traceback if it dies) go to a file the failure message quotes.
        let log = open(errors.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        defer { if log >= 0 { close(log) } }
        let process: ChildProcess
        do {
            process = try ChildProcess("/usr/bin/env", ["python3", "-c", script, "\(port)", "\(target)"],
                                       descriptors: log >= 0 ? [1: output.write, 2: log] : [1: output.write])
        } catch {
            close(output.read)
            close(output.write)
            throw error
        }
        close(output.write)
        let reader = FileHandle(fileDescriptor: output.read, closeOnDealloc: true)
        // Up to the newline (or the end, if the relay died): one read may return part of the line.
        let line = try await offThePool {
            var read = Data()
            while !read.contains(0x0A) {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                read.append(chunk)
            }
            return String(decoding: read, as: UTF8.self)
        }
        guard let bound = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(process.processIdentifier, SIGKILL)
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "relay did not start: \(line)"])
        }
        return (process, bound)
    }

    /// Whether the relay still runs (and in which kernel state), whether anything listens on its
    /// port, and what it wrote on its standard error: for a failure's message.
    static func describe(_ relay: ChildProcess, port: Int, errors: URL) -> String {
        let pid = relay.processIdentifier
        let state = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("State:") } ?? "no /proc entry"
        let hexPort = String(format: "%04X", port)
        let listening = ((try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)) ?? "").split(separator: "\n").contains {
            let fields = $0.split(separator: " ")
            return fields.count > 3 && fields[1] == "0100007F:\(hexPort)" && fields[3] == "0A"
        }
        return "relay pid \(pid) on port \(port): " + (relay.isRunning ? "running (\(state))" : "ended with \(relay.terminationStatus)")
            + "; a listener on the port: \(listening); its errors: \((try? String(contentsOf: errors, encoding: .utf8)) ?? "none")"
    }

    @Test("two minutes without the server: the campaign waits saying so, reconnects by itself and every contact gets one message id",
          .timeLimit(.minutes(8)))
    func serverUnreachable() async throws {
        let phones = (1...40).map { "62813" + String(format: "%08d", $0 * 17) }
        let simulator = try await WhatsAppSimulator.start(accounts: [SimulatedAccount(phone: Self.sender)] + phones.map { SimulatedAccount(phone: $0) })
        defer { Task { await simulator.stop() } }
        let site = try FaultInstallation("wa-outage")
        defer { site.remove() }

        let sessions = site.state.appendingPathComponent("sessions")
        var settings = SessionConfiguration(endpoint: WhatsAppEndpoint(url: simulator.url, rootKey: simulator.rootKey, mediaScheme: "http"))
        settings.backoffStep = 0.2
        let linking = try await WhatsAppSession(name: "utama", root: sessions, configuration: settings)
        await linking.start()
        for await event in linking.events {
            if case .qrCode(let text, _) = event { try await simulator.scanQR(text, phone: Self.sender) }
            if event == .connected { break }
        }
        await linking.stop()

        let serverPort = try #require(simulator.url.port)
        let relayErrors = site.folder.appendingPathComponent("relay-errors.txt")
        var (relay, port) = try await relay(port: 0, to: serverPort, errors: relayErrors)
        defer { if relay.isRunning { kill(relay.processIdentifier, SIGKILL) } }
        try SimulatorDaemonConfiguration.write(to: site.folder, simulator: simulator)
        let configFile = site.folder.appendingPathComponent("pipeline.yaml")
        var config = try String(contentsOf: configFile, encoding: .utf8)
        config = config.replacingOccurrences(of: "127.0.0.1:\(serverPort)/", with: "127.0.0.1:\(port)/")
            .replacingOccurrences(of: "delay: {min: 0, max: 0.02}", with: "delay: {min: 0.2, max: 0.3}")
        try config.write(to: configFile, atomically: true, encoding: .utf8)
        try site.drop("promo", phones: phones)
        let daemon = try site.start()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        @Sendable func accepted() async -> [(id: String, to: String)] { await simulator.acceptedMessages.map { ($0.id, $0.recipientPhone) } }

        let firstRelay = relay
        #expect(await eventually(timeout: .seconds(150)) { await accepted().count >= 8 },
                "the daemon connected and sent: \(Self.describe(firstRelay, port: port, errors: relayErrors))\nlog from the start: \(site.log().prefix(3000))\n\(site.tail())")
        kill(relay.processIdentifier, SIGKILL)
        await waitForExit(relay)
        #expect(await eventually(timeout: .seconds(90)) { site.log().contains("session utama disconnected") }, "\(site.tail())")
        #expect(await eventually(timeout: .seconds(90)) {
            (site.status("promo")["waiting"] as? String)?.contains("no WhatsApp session can send now") == true
        }, "status.json says why: \(site.status("promo")) \(site.tail())")
        let during = await accepted().count
        #expect(during < phones.count, "the server went away in the middle of the campaign")
        try await Task.sleep(for: .seconds(120))  // the outage itself
        #expect(daemon.isRunning, "the daemon stays up while the server is away")
        #expect(await accepted().count == during, "nothing reaches the server while it is away")

        (relay, _) = try await self.relay(port: port, to: serverPort, errors: relayErrors)
        let back = ContinuousClock.now
        let secondRelay = relay
        #expect(await eventually(timeout: .seconds(180)) { await accepted().count > during },
                "sending resumed: \(Self.describe(secondRelay, port: port, errors: relayErrors))\n\(site.tail())")
        print("WhatsAppOutageTests.serverUnreachable: sending resumed \(ContinuousClock.now - back) after the server came back")
        #expect(await eventually(timeout: .seconds(180)) { site.status("promo")["state"] as? String == "done" }, "\(site.status("promo")) \(site.tail())")
        #expect(site.status("promo")["waiting"] == nil)
        #expect(site.log().contains("session utama connected"))

        let lines = await accepted()
        let idsByPhone = Dictionary(grouping: lines, by: \.to).mapValues { Set($0.map(\.id)) }
        #expect(Set(idsByPhone.keys) == Set(phones), "every contact got the message")
        #expect(idsByPhone.values.allSatisfy { $0.count == 1 }, "no contact got a second message id")
        #expect(lines.count - Set(lines.map(\.id)).count <= 1, "at most one repeat (same id)")
        daemon.terminate()
        await waitForExit(daemon)
    }
}
