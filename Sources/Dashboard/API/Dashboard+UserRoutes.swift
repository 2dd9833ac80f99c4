import Foundation
import Hummingbird

extension Dashboard {
    struct NewUser: Codable, Sendable { var username: String; var password: String; var role: Role }
    struct UserChange: Codable, Sendable { var password: String?; var role: Role? }

    func addUserRoutes(to router: Router<DashboardContext>) {
        router.get("/api/users") { _, context in
            try context.require(.admin)
            return try JSONResponse.make(try await self.users.all())
        }
        router.post("/api/users") { request, context in
            let admin = try context.require(.admin)
            let body = try await JSONResponse.decode(NewUser.self, from: request)
            let user = try await self.users.add(username: body.username, password: body.password, role: body.role)
            try await self.audit.record(admin.username, "user.create", target: user.username, detail: "role \(user.role.rawValue)")
            return try JSONResponse.make(user, status: .created)
        }
        router.post("/api/users/:name") { request, context in
            let admin = try context.require(.admin)
            let name = try context.parameters.require("name")
            let body = try await JSONResponse.decode(UserChange.self, from: request)
            if let password = body.password {
                try await self.users.setPassword(username: name, password: password)
                try await self.audit.record(admin.username, "user.password", target: name)
            }
            if let role = body.role {
                try await self.users.setRole(username: name, role: role)
                try await self.audit.record(admin.username, "user.role", target: name, detail: role.rawValue)
            }
            guard let user = try await self.users.find(username: name) else { throw DashboardError(.notFound, "no user '\(name)'") }
            return try JSONResponse.make(user)
        }
        router.delete("/api/users/:name") { _, context in
            let admin = try context.require(.admin)
            let name = try context.parameters.require("name")
            try await self.users.remove(username: name)
            try await self.audit.record(admin.username, "user.remove", target: name)
            return try JSONResponse.make(ActionResult(message: "removed \(name)"))
        }
        router.get("/api/audit") { request, context in
            try context.require(.admin)
            let limit = min(max(request.uri.queryParameters.get("limit", as: Int.self) ?? 100, 1), 1000)
            return try JSONResponse.make(try await self.audit.recent(limit: limit))
        }
    }
}
