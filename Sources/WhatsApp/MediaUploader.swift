import Foundation
import WABinary
import WASocket

/// Uploads encrypted media to the hosts `media_conn` names (§8.1, §8.3).
struct MediaUploader: Sendable {
    struct Connection: Sendable {
        var auth: String
        var hosts: [String]
        var expires: Date
        /// The session's proxy, taken from the connection `media_conn` was asked on, so uploads
        /// leave by the same path as the WebSocket.
        var proxy: ProxyConfiguration?
    }

    struct Uploaded: Sendable, Codable {
        var url: String
        var directPath: String
    }

    static func mediaConnection(on connection: NodeConnection, timeout: Duration) async throws -> Connection {
        let answer = try await connection.query(xmlns: "w:m", type: "set", children: [Node("media_conn")], timeout: timeout)
        guard let conn = answer.child("media_conn"), let auth = conn.string("auth") else {
            throw WhatsAppError(.mediaFailed("media_conn answer without auth"))
        }
        let hosts = conn.children.filter { $0.tag == "host" }.compactMap { $0.string("hostname") }
        guard !hosts.isEmpty else { throw WhatsAppError(.mediaFailed("media_conn answer without hosts")) }
        let ttl = Double(conn.string("ttl") ?? "") ?? 300
        return Connection(auth: auth, hosts: hosts, expires: Date().addingTimeInterval(ttl), proxy: connection.proxy)
    }

    /// POSTs the body to each host in turn until one answers with `url` and `direct_path`.
    static func upload(_ media: EncryptedMedia, kind: EncryptedMedia.Kind, connection: Connection, scheme: String) async throws -> Uploaded {
        var failures: [String] = []
        for host in connection.hosts {
            var components = URLComponents()
            components.scheme = scheme
            let parts = host.split(separator: ":", maxSplits: 1)
            components.host = String(parts[0])
            if parts.count == 2, let port = Int(parts[1]) { components.port = port }
            components.path = "/mms/\(kind.uploadPath)/\(media.token)"
            components.queryItems = [URLQueryItem(name: "auth", value: connection.auth), URLQueryItem(name: "token", value: media.token)]
            guard let url = components.url else { continue }
            let headers = [
                ("Origin", "https://web.whatsapp.com"), ("Referer", "https://web.whatsapp.com/"),
                ("Content-Type", "application/octet-stream"),
            ]
            do {
                let response = try await HTTPUpload.post(url, headers: headers, body: media.body, proxy: connection.proxy, timeout: .seconds(120))
                guard response.status == 200, let json = try JSONSerialization.jsonObject(with: response.body) as? [String: Any],
                      let url = json["url"] as? String, let path = json["direct_path"] as? String else {
                    failures.append("\(host): HTTP \(response.status)")
                    continue
                }
                return Uploaded(url: url, directPath: path)
            } catch {
                failures.append("\(host): \(error)")
            }
        }
        throw WhatsAppError(.mediaFailed("upload failed: " + failures.joined(separator: "; ")))
    }
}
