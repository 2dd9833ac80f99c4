import Crypto
import Foundation
import WASocket

/// The simulator's media server: stores uploaded encrypted blobs after checking that the body's
/// SHA-256 is the token in the URL and that the upload is authorised, as WhatsApp's does.
actor MediaStore {
    let auth = Data((0..<24).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
    private var blobs: [String: Data] = [:]
    private(set) var uploads = 0

    /// Blobs are kept by the path of their direct path: downloaders append their own query
    /// parameters (`&hash=…&mms-type=…`).
    func blob(directPath: String) -> Data? { blobs[Self.path(of: directPath)] }

    static func path(of uri: String) -> String {
        String(uri.split(separator: "?", maxSplits: 1).first ?? "")
    }

    func handle(_ request: WebSocketServer.HTTPRequest) -> WebSocketServer.HTTPResponse {
        // Downloads: GET <directPath> returns the stored encrypted body, as WhatsApp's CDN does.
        if request.method == "GET" {
            guard let body = blobs[Self.path(of: request.uri)] else { return .init(status: 404) }
            return .init(status: 200, body: body, contentType: "application/octet-stream")
        }
        guard request.method == "POST", let components = URLComponents(string: request.uri),
              components.path.hasPrefix("/mms/") else { return .init(status: 404) }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { a, _ in a })
        guard query["auth"] == auth else { return .init(status: 401, body: Data(#"{"error":"bad auth"}"#.utf8)) }
        guard let token = query["token"], let hash = Data(base64Encoded: Self.standardBase64(token)) else {
            return .init(status: 400, body: Data(#"{"error":"missing token"}"#.utf8))
        }
        guard Data(SHA256.hash(data: request.body)) == hash, request.body.count > 10 else {
            return .init(status: 400, body: Data(#"{"error":"body hash does not match the token"}"#.utf8))
        }
        let kind = components.path.split(separator: "/").dropFirst().first.map(String.init) ?? "image"
        let directPath = "/v/t62.7118-24/\(kind)/\(hash.map { String(format: "%02x", $0) }.joined())?ccb=11-4"
        blobs[Self.path(of: directPath)] = request.body
        uploads += 1
        let body = try! JSONSerialization.data(withJSONObject: ["url": "https://mmg.whatsapp.net" + directPath, "direct_path": directPath])
        return .init(status: 200, body: body)
    }

    /// URL-safe base64, with or without padding, to the standard form.
    static func standardBase64(_ text: String) -> String {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return s
    }
}
