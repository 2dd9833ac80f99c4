import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import WABinary

/// Uploads encrypted media to the hosts `media_conn` names (§8.1, §8.3).
struct MediaUploader: Sendable {
    struct Connection: Sendable {
        var auth: String
        var hosts: [String]
        var expires: Date
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
        return Connection(auth: auth, hosts: hosts, expires: Date().addingTimeInterval(ttl))
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
            var request = URLRequest(url: url)
            request.httpMethod = "POST"
            request.setValue("https://web.whatsapp.com", forHTTPHeaderField: "Origin")
            request.setValue("https://web.whatsapp.com/", forHTTPHeaderField: "Referer")
            request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
            request.timeoutInterval = 120
            do {
                let (data, response) = try await URLSession.shared.upload(for: request, from: media.body)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                guard status == 200, let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                      let url = json["url"] as? String, let path = json["direct_path"] as? String else {
                    failures.append("\(host): HTTP \(status)")
                    continue
                }
                return Uploaded(url: url, directPath: path)
            } catch {
                failures.append("\(host): \(error.localizedDescription)")
            }
        }
        throw WhatsAppError(.mediaFailed("upload failed: " + failures.joined(separator: "; ")))
    }
}
