import ArgumentParser
import Foundation
import AIWriting
import AutoReply
import Siaran
import Store

struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Inspect the configuration.",
        subcommands: [Check.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a pipeline.yaml: exit 0 with a summary, or 1 with FILE:LINE:COL: lines."
        )

        @Argument(help: "The file to check (default: pipeline.yaml or SIARAN_CONFIG).")
        var file: String?

        func run() async throws {
            let path = file ?? ProcessInfoEnvironment.value("SIARAN_CONFIG") ?? "pipeline.yaml"
            do {
                let c = try ConfigurationLoader().load(file: path)
                let s = c.pipeline.sending
                print(
                    "\(path): ok — country \(c.contacts.countryCode), min \(c.contacts.minDigits) digits, "
                        + "delay \(trim(s.delayMinimum))–\(trim(s.delayMaximum)) s, window \(s.window) \(s.timeZone), "
                        + "caps \(s.hourlyCap)/h \(s.dailyCap)/day, transport \(s.transport.rawValue)"
                        + (c.ai.map { ", ai \($0.summary)" } ?? "")
                )
                // Each session's network path, the proxy's password shown as ***.
                for (session, proxy) in c.whatsapp.proxies.sorted(by: { $0.key < $1.key }) {
                    print("whatsapp: session \(session) connects through the proxy \(proxy)")
                }
                try checkAutoReply(c)
                try await checkDatabase(c)
            } catch let error as ConfigurationError {
                printError(error.description)
                throw ExitCode(1)
            }
        }

        /// The loader has checked autoreply.yaml; say what it holds.
        private func checkAutoReply(_ c: SiaranConfiguration) throws {
            guard let rules = try? AutoReplyConfiguration.load(file: c.autoReplyFile, defaultTimeZone: c.pipeline.sending.timeZone) else {
                print("\(c.autoReplyFile): none (no automatic answers)")
                return
            }
            let hours = rules.businessHours == nil ? "no business hours" : (rules.away == nil ? "business hours without an away message" : "business hours with an away message")
            print("\(c.autoReplyFile): ok — \(rules.enabled ? "on" : "off"), \(rules.rules.count) rule(s), \(hours), "
                + "default answer \(rules.defaultAnswer == nil ? "none" : "set"), cooldown \(Int(rules.cooldown / 3600)) h, "
                + "\(rules.dailyCap) per contact per day, loop guard \(Int(rules.loopGuard)) s")
        }

        /// Says which database is configured and whether it answers; one that does not is an error.
        private func checkDatabase(_ c: SiaranConfiguration) async throws {
            let location = try c.databaseLocation()
            switch location {
            case .sqlite(let path):
                print("database: sqlite \(path)")
                // A check must not create the file: `siaran run` does, in a folder it can write.
                guard FileManager.default.fileExists(atPath: path) else {
                    let folder = (path as NSString).deletingLastPathComponent
                    var isFolder: ObjCBool = false
                    if FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue,
                       !FileManager.default.isWritableFile(atPath: folder) {
                        printError("database: \(folder) is not writable, so the database cannot be created there")
                        throw ExitCode(1)
                    }
                    print("database: not created yet (the first `siaran run` creates it)")
                    return
                }
            case .postgres(let url):
                print("database: postgres \(url.socketDirectory ?? "\(url.host):\(url.port)") database \(url.database) (sslmode \(url.sslMode.rawValue))")
            }
            do {
                let database = try await c.openDatabase()
                try await database.ping()
                let applied = try await database.appliedMigrations()
                await database.close()
                print("database: reachable, schema \(applied.last ?? "empty")")
            } catch let error as StoreError {
                printError("database: \(error.detail)")
                throw ExitCode(1)
            }
        }

        private func trim(_ value: Double) -> String {
            value == value.rounded() ? String(Int(value)) : String(value)
        }
    }
}
