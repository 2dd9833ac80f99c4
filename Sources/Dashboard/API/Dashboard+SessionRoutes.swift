import Foundation
import Hummingbird
import NIOCore

extension Dashboard {
    struct ConnectRequest: Codable, Sendable {
        var session: String
        /// Link by pairing code for this number (international digits) instead of a QR code.
        var phone: String?
    }

    struct DisconnectRequest: Codable, Sendable { var session: String }

    /// What non-admins see of a session: no QR (whoever scans it links their phone).
    struct PublicSession: Codable, Sendable {
        var name: String, state: String, phone: String?, notice: String?, updatedAt: Date
        var qr: String?, qrIndex: Int?, pairingCode: String?
        /// Until when WhatsApp restricts the number from starting new chats.
        var restrictedUntil: Date?
        /// In a cluster: the worker whose lease lets it connect this number, until when, and the
        /// lease's fencing counter (it grows with every take-over).
        var worker: String?, leaseUntil: Date?, fencing: Int?
    }

    func addSessionRoutes(to router: Router<DashboardContext>) {
        router.get("/api/sessions") { _, context in
            let user = try context.require(.viewer)
            return try JSONResponse.make(try await self.sessionList(showSecrets: user.role == .admin))
        }
        router.get("/api/sessions/:name/qr.svg") { _, context in
            try context.require(.admin)
            let name = try context.parameters.require("name")
            guard let snapshot = await self.sessionControl?.sessions().first(where: { $0.name == name }),
                  let modules = snapshot.qrModules else { throw DashboardError(.notFound, "session '\(name)' shows no QR code now") }
            return Response(status: .ok, headers: [.contentType: "image/svg+xml"],
                            body: .init(byteBuffer: ByteBuffer(string: QRCodeSVG.render(modules))))
        }
        router.post("/api/whatsapp/connect") { request, context in
            let user = try context.require(.admin)
            let body = try await JSONResponse.decode(ConnectRequest.self, from: request)
            guard let control = self.sessionControl else {
                throw DashboardError(.unavailable, "the daemon sends with the dry-run transport; set sending.transport: whatsapp")
            }
            if let phone = body.phone, !(8...15).contains(phone.count) || !phone.allSatisfy(\.isASCIIDigit) {
                throw DashboardError(.badRequest, "phone must be 8–15 digits with the country code, e.g. 6281234567890")
            }
            let snapshot = try await control.connect(session: body.session, pairingPhone: body.phone)
            try await self.audit.record(user.username, "session.connect", target: body.session, detail: body.phone.map { "pairing code for \($0)" })
            return try JSONResponse.make(Self.publicSession(snapshot, showSecrets: true))
        }
        router.post("/api/whatsapp/disconnect") { request, context in
            let user = try context.require(.admin)
            let body = try await JSONResponse.decode(DisconnectRequest.self, from: request)
            guard let control = self.sessionControl else {
                throw DashboardError(.unavailable, "the daemon sends with the dry-run transport; there is no session to log out")
            }
            try await control.disconnect(session: body.session)
            try await self.audit.record(user.username, "session.disconnect", target: body.session)
            return try JSONResponse.make(ActionResult(message: "session \(body.session) logged out"))
        }
    }

    /// Live sessions from the daemon, else what the database remembers; in a cluster, each with
    /// the worker that holds its lease (any worker's dashboard shows every owner).
    func sessionList(showSecrets: Bool) async throws -> [PublicSession] {
        var list: [PublicSession]
        if let control = sessionControl {
            list = await control.sessions().map { Self.publicSession($0, showSecrets: showSecrets) }
        } else {
            list = try await database.sessions().map {
                PublicSession(name: $0.name, state: $0.state, phone: $0.phone, notice: $0.notice,
                              updatedAt: $0.lastSeenAt ?? $0.linkedAt ?? Date(timeIntervalSince1970: 0))
            }
        }
        let now = Date()
        let leases = Dictionary(try await database.sessionLeases().map { ($0.session, $0) }, uniquingKeysWith: { first, _ in first })
        for index in list.indices {
            guard let lease = leases[list[index].name], let owner = lease.owner, lease.expiresAt > now else { continue }
            list[index].worker = owner
            list[index].leaseUntil = lease.expiresAt
            list[index].fencing = lease.fencing
        }
        return list
    }

    static func publicSession(_ s: SessionSnapshot, showSecrets: Bool) -> PublicSession {
        PublicSession(name: s.name, state: s.state, phone: s.phone, notice: s.notice, updatedAt: s.updatedAt,
                      qr: showSecrets ? s.qr : nil, qrIndex: showSecrets ? s.qrIndex : nil, pairingCode: showSecrets ? s.pairingCode : nil,
                      restrictedUntil: s.restrictedUntil)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
