import Crypto
public import Hummingbird
import Foundation

/// `/metrics`, `/healthz` and `/readyz` on any router: without a login, so a load balancer,
/// an orchestrator or Prometheus can call them. `/metrics` asks for `Authorization: Bearer
/// <token>` when `SIARAN_METRICS_TOKEN` is set.
public enum MonitoringRoutes {
    public static func add<Context: RequestContext>(to router: Router<Context>, metrics: SiaranMetrics, token: String?) {
        router.get("metrics") { request, _ -> Response in
            if let token, !token.isEmpty {
                let sent = request.headers[.authorization].flatMap { value -> String? in
                    let parts = value.split(separator: " ", maxSplits: 1)
                    return parts.count == 2 && parts[0].lowercased() == "bearer" ? String(parts[1]) : nil
                } ?? ""
                guard equal(sent, token) else {
                    return text("metrics need the bearer token (SIARAN_METRICS_TOKEN)\n", status: .unauthorized,
                                extra: [.wwwAuthenticate: "Bearer realm=\"siaran-metrics\""])
                }
            }
            do {
                return text(try await metrics.exposition(), status: .ok, type: "text/plain; version=0.0.4; charset=utf-8")
            } catch {
                return text("the database did not answer: \(error)\n", status: .serviceUnavailable)
            }
        }
        router.get("healthz") { _, _ -> Response in text("ok\n", status: .ok) }
        router.get("readyz") { _, _ -> Response in
            let problems = await metrics.readiness()
            return problems.isEmpty ? text("ready\n", status: .ok) : text("not ready\n" + problems.map { "- \($0)\n" }.joined(), status: .serviceUnavailable)
        }
    }

    private static func text(_ body: String, status: HTTPResponse.Status, type: String = "text/plain; charset=utf-8",
                             extra: HTTPFields = [:]) -> Response {
        var headers: HTTPFields = [.contentType: type, .cacheControl: "no-store"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// Compares digests, so the time taken says nothing about the token.
    private static func equal(_ a: String, _ b: String) -> Bool {
        SHA256.hash(data: Data(a.utf8)) == SHA256.hash(data: Data(b.utf8))
    }
}
