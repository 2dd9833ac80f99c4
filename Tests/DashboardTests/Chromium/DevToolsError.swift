/// Why driving Chromium failed.
struct DevToolsError: Error, CustomStringConvertible {
    enum Code {
        /// Chromium could not be started.
        case launchFailed(String)
        /// Chromium exited or closed its pipe; carries its stderr.
        case closed(String)
        /// A command answered with an error.
        case protocolError(method: String, message: String)
        /// A command or a wait took longer than allowed.
        case timedOut(String)
        /// The page is not as the test expected (no such element, script exception…).
        case page(String)
    }

    var code: Code

    init(_ code: Code) {
        self.code = code
    }

    var description: String {
        switch code {
        case .launchFailed(let reason): "chromium: cannot start: \(reason)"
        case .closed(let log): "chromium: exited or closed the DevTools pipe; its log ends with:\n\(log.suffix(2000))"
        case .protocolError(let method, let message): "chromium: \(method) failed: \(message)"
        case .timedOut(let what): "chromium: timed out: \(what)"
        case .page(let what): "chromium page: \(what)"
        }
    }
}
