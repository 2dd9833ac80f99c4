import Foundation
import HTTPTypes
import Testing
import Yams

@Suite("Dashboard: docs/openapi.yaml")
struct OpenAPITests {
    @Test("the OpenAPI file is valid YAML and documents every endpoint the role tests call")
    func documented() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        // `/api/templates/{name}` matches `/api/templates/seed`; a literal segment wins over a parameter.
        func documented(_ uri: String) -> [String: Any]? {
            let segments = uri.split(separator: "?")[0].split(separator: "/")
            let candidates = paths.keys.filter { path in
                let pattern = path.split(separator: "/")
                return pattern.count == segments.count && zip(pattern, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
            }
            let best = candidates.max { $0.split(separator: "/").filter { !$0.hasPrefix("{") }.count < $1.split(separator: "/").filter { !$0.hasPrefix("{") }.count }
            return best.flatMap { paths[$0] as? [String: Any] }
        }
        for endpoint in RoleTests.endpoints {
            let operations = try #require(documented(endpoint.uri), "\(endpoint) is not in docs/openapi.yaml")
            #expect(operations[endpoint.method.rawValue.lowercased()] != nil, "\(endpoint) has no \(endpoint.method) in docs/openapi.yaml")
        }
    }
}
