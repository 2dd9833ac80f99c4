import Foundation

/// One browser tab driven like a user would: real mouse clicks at an element's centre, typed
/// text, files chosen in `<input type=file>`, a chosen viewport, screenshots. Page state is read
/// with `Runtime.evaluate`; waits poll the DOM until a condition holds, never a fixed sleep.
struct ChromiumPage: Sendable {
    let connection: DevToolsConnection
    let session: String
    let process: ChromiumProcess

    /// Starts Chromium, opens a tab and runs `body` with it; Chromium is killed and its profile
    /// removed afterwards, whether `body` succeeds or throws.
    static func run<T: Sendable>(executable: String, _ body: (ChromiumPage) async throws -> T) async throws -> T {
        let process = try ChromiumProcess(executable: executable)
        let connection = DevToolsConnection(process: process)
        do {
            let target = try await connection.send("Target.createTarget", ["url": "about:blank"])
            guard let targetID = target["targetId"] as? String else { throw DevToolsError(.page("no targetId in \(target)")) }
            let attached = try await connection.send("Target.attachToTarget", ["targetId": targetID, "flatten": true])
            guard let session = attached["sessionId"] as? String else { throw DevToolsError(.page("no sessionId in \(attached)")) }
            let page = ChromiumPage(connection: connection, session: session, process: process)
            for domain in ["Page", "Runtime", "Log"] { try await page.send("\(domain).enable") }
            let result = try await body(page)
            process.kill()
            return result
        } catch {
            process.kill()
            throw error
        }
    }

    @discardableResult
    func send(_ method: String, _ params: [String: Any] = [:]) async throws -> [String: Any] {
        try await connection.send(method, params, session: session)
    }

    // MARK: Reading the page

    /// Runs `expression` in the page (promises are awaited) and returns its JSON value.
    func evaluate(_ expression: String) async throws -> Any? {
        let answer = try await send("Runtime.evaluate", ["expression": expression, "awaitPromise": true, "returnByValue": true, "userGesture": true])
        if let details = answer["exceptionDetails"] as? [String: Any] {
            let exception = (details["exception"] as? [String: Any])?["description"] as? String
            throw DevToolsError(.page("\(exception ?? details["text"] as? String ?? "exception") in: \(expression.prefix(200))"))
        }
        return (answer["result"] as? [String: Any])?["value"]
    }

    func string(_ expression: String) async throws -> String { try await evaluate(expression) as? String ?? "" }

    /// `document.querySelector(selector)` as a JavaScript expression.
    static func query(_ selector: String) -> String { "document.querySelector(\(literal(selector)))" }

    /// A Swift string as a JavaScript string literal.
    static func literal(_ text: String) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: text, options: .fragmentsAllowed)) ?? Data("\"\"".utf8), as: UTF8.self)
    }

    var url: String { get async throws { try await string("location.href") } }

    /// The text of the first element matching `selector` (empty when there is none).
    func text(_ selector: String) async throws -> String {
        try await string("(\(Self.query(selector))||{}).textContent||''").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Polls `condition` (a JavaScript expression) every 50 ms until it is truthy. Evaluation
    /// errors while a new document loads count as "not yet".
    func wait(until condition: String, _ what: String, timeout: Duration = .seconds(90)) async throws {
        let deadline = ContinuousClock.now + timeout
        var lastError = ""
        while ContinuousClock.now < deadline {
            do {
                let value = try await evaluate("!!(\(condition))")
                if value as? Bool == true { return }
            } catch {
                lastError = " (last error: \(error))"
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let problems = (exceptions + logErrors).suffix(5).joined(separator: "\n  ")
        throw DevToolsError(.timedOut("\(what): `\(condition)` did not hold within \(timeout); the page is at \((try? await url) ?? "?")\(lastError)"
            + (problems.isEmpty ? "" : "; the page reported:\n  \(problems)")))
    }

    /// Runs `action` (a click, a submit, a navigation) and waits until it has replaced the
    /// document and the new one has finished loading (its deferred scripts have run).
    func expectingNewDocument(_ what: String, timeout: Duration = .seconds(90), _ action: () async throws -> Void) async throws {
        _ = try await evaluate("window.__siaranOldDocument = true")
        try await action()
        try await wait(until: "!window.__siaranOldDocument && document.readyState === 'complete'", what, timeout: timeout)
    }

    func navigate(_ url: String) async throws {
        try await expectingNewDocument("loading \(url)") {
            let answer = try await send("Page.navigate", ["url": url])
            if let error = answer["errorText"] as? String { throw DevToolsError(.page("navigating to \(url): \(error)")) }
        }
    }

    func reload() async throws {
        try await expectingNewDocument("reloading") { try await send("Page.reload") }
    }

    // MARK: Acting like a user

    /// Scrolls the element into view, checks that nothing covers its centre, and clicks there
    /// with the mouse (move, press, release).
    func click(_ selector: String) async throws {
        let point = try await evaluate("""
            (function(el){if(!el)return {error:'no element'};el.scrollIntoView({block:'center',inline:'center'});
            var r=el.getBoundingClientRect();if(r.width<1||r.height<1)return {error:'not visible ('+r.width+'×'+r.height+')'};
            var x=r.left+r.width/2,y=r.top+r.height/2,hit=document.elementFromPoint(x,y);
            if(!hit||(hit!==el&&!el.contains(hit)))return {error:'covered by '+(hit?hit.outerHTML.slice(0,120):'nothing')};
            return {x:x,y:y}})(\(Self.query(selector)))
            """) as? [String: Any] ?? [:]
        if let error = point["error"] as? String { throw DevToolsError(.page("cannot click \(selector): \(error)")) }
        guard let x = point["x"] as? Double, let y = point["y"] as? Double else { throw DevToolsError(.page("cannot click \(selector): \(point)")) }
        try await send("Input.dispatchMouseEvent", ["type": "mouseMoved", "x": x, "y": y])
        for type in ["mousePressed", "mouseReleased"] {
            try await send("Input.dispatchMouseEvent", ["type": type, "x": x, "y": y, "button": "left", "buttons": type == "mousePressed" ? 1 : 0, "clickCount": 1])
        }
    }

    /// Clicks a text field, selects what it holds and types `text` over it.
    func fill(_ selector: String, with text: String) async throws {
        try await click(selector)
        _ = try await evaluate("\(Self.query(selector)).select()")
        try await send("Input.insertText", ["text": text])
    }

    /// Chooses files in an `<input type=file>` as the file picker would (fires `input` and `change`).
    func choose(files: [String], in selector: String) async throws {
        let document = try await send("DOM.getDocument", ["depth": 0])
        guard let root = (document["root"] as? [String: Any])?["nodeId"] as? Int else { throw DevToolsError(.page("no document node")) }
        let found = try await send("DOM.querySelector", ["nodeId": root, "selector": selector])
        guard let node = found["nodeId"] as? Int, node != 0 else { throw DevToolsError(.page("no element \(selector)")) }
        try await send("DOM.setFileInputFiles", ["files": files, "nodeId": node])
    }

    // MARK: Viewport and screenshots

    /// Emulates a screen of `width`×`height` CSS pixels at scale 1 (`mobile` adds touch-style viewport handling).
    func setViewport(width: Int, height: Int, mobile: Bool) async throws {
        try await send("Emulation.setDeviceMetricsOverride", ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile])
    }

    /// Lets running CSS transitions finish (a theme switch fades colours; at most 2 s, since a
    /// live progress bar may keep moving), waits for two animation frames (layout and paint),
    /// then saves the viewport as PNG.
    func screenshot(to path: String) async throws {
        try? await wait(until: "document.getAnimations().every(function(a){return a.playState!=='running'})", "transitions", timeout: .seconds(2))
        _ = try await evaluate("new Promise(function(r){requestAnimationFrame(function(){requestAnimationFrame(r)})})")
        let answer = try await send("Page.captureScreenshot", ["format": "png", "captureBeyondViewport": false])
        guard let base64 = answer["data"] as? String, let data = Data(base64Encoded: base64) else {
            throw DevToolsError(.page("Page.captureScreenshot returned no image"))
        }
        try data.write(to: URL(fileURLWithPath: path))
    }

    // MARK: What went wrong in the page

    /// Uncaught exceptions thrown by the page's scripts so far.
    var exceptions: [String] {
        connection.events("Runtime.exceptionThrown").filter { $0.session == session }.map { event in
            let details = (try? JSONSerialization.jsonObject(with: event.params) as? [String: Any])?["exceptionDetails"] as? [String: Any]
            return ((details?["exception"] as? [String: Any])?["description"] as? String) ?? (details?["text"] as? String) ?? "exception"
        }
    }

    /// Console and browser log entries of level error (blocked by the content policy, failed loads…).
    var logErrors: [String] {
        connection.events("Log.entryAdded").filter { $0.session == session }.compactMap { event in
            guard let entry = (try? JSONSerialization.jsonObject(with: event.params) as? [String: Any])?["entry"] as? [String: Any],
                  entry["level"] as? String == "error" else { return nil }
            return "\(entry["text"] as? String ?? "") \(entry["url"] as? String ?? "")"
        }
    }
}
