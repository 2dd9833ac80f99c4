import ArgumentParser
import Dashboard
import Foundation
import Siaran
import Store
#if canImport(Glibc)
import Glibc
#endif

/// `siaran users add|list|passwd|remove`: dashboard accounts, the same rules as the dashboard.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Manage dashboard users (roles: admin, operator, viewer).",
        subcommands: [List.self, Add.self, Passwd.self, Remove.self]
    )

    static func store(_ options: ConfigurationOptions) async throws -> UserStore {
        UserStore(database: try await openDatabase(try options.load()))
    }

    /// The password from standard input (`--password-stdin`, for scripts) or asked twice
    /// without echo.
    static func readPassword(fromStdin: Bool) throws -> String {
        if fromStdin {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                printError("no password on standard input")
                throw ExitCode(1)
            }
            return line
        }
        guard let first = getpass("Password: ").map({ String(cString: $0) }),
              let second = getpass("Again: ").map({ String(cString: $0) }) else { throw ExitCode(1) }
        guard first == second else {
            printError("the passwords differ")
            throw ExitCode(1)
        }
        return first
    }

    static func run(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as DashboardError {
            printError(error.message)
            throw ExitCode(1)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every user with role and creation date.")
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            let configuration = try options.load()
            let users = try await UsersCommand.store(options).all()
            if users.isEmpty { print("no users yet; add one with `siaran users add NAME --role admin`") }
            for user in users {
                print("\(user.username.padding(toLength: 24, withPad: " ", startingAt: 0))  \(user.role.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0))  created \(configuration.readable(user.createdAt))\(user.disabledAt == nil ? "" : "  disabled")")
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user; asks for the password.")
        @OptionGroup var options: ConfigurationOptions
        @Argument(help: "Username (letters, digits, . _ - @).") var username: String
        @Option(help: "admin, operator or viewer.") var role: String = "viewer"
        @Flag(help: "Read the password from standard input instead of asking.") var passwordStdin = false

        func run() async throws {
            guard let role = Role(rawValue: role) else {
                printError("role must be admin, operator or viewer, not '\(role)'")
                throw ExitCode(1)
            }
            let store = try await UsersCommand.store(options)
            try await UsersCommand.run {
                try UserStore.validate(username: username)
                let password = try UsersCommand.readPassword(fromStdin: passwordStdin)
                try await store.add(username: username, password: password, role: role)
                try await store.audit("cli", "user.create", target: username, detail: "role \(role.rawValue)")
                print("added \(username) (\(role.rawValue))")
            }
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a user's password.")
        @OptionGroup var options: ConfigurationOptions
        @Argument var username: String
        @Flag(help: "Read the password from standard input instead of asking.") var passwordStdin = false

        func run() async throws {
            let store = try await UsersCommand.store(options)
            try await UsersCommand.run {
                guard try await store.find(username: username) != nil else { throw DashboardError(.notFound, "no user '\(username)'") }
                try await store.setPassword(username: username, password: try UsersCommand.readPassword(fromStdin: passwordStdin))
                try await store.audit("cli", "user.password", target: username)
                print("password changed for \(username)")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user (never the last admin).")
        @OptionGroup var options: ConfigurationOptions
        @Argument var username: String

        func run() async throws {
            let store = try await UsersCommand.store(options)
            try await UsersCommand.run {
                try await store.remove(username: username)
                try await store.audit("cli", "user.remove", target: username)
                print("removed \(username)")
            }
        }
    }
}
