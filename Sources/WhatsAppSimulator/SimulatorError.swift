/// Why the simulator refused something a client did.
public struct SimulatorError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { "simulator: \(message)" }
}
