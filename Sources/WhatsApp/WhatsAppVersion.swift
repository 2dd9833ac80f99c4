import Crypto
public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The WhatsApp Web version triple announced at login (`[2, 3000, client_revision]`).
///
/// WhatsApp refuses clients that are too old with failure 405; the shipped default is the newest
/// revision seen in whatsmeow (the one inside PyPI neonize 0.5.2) and can be overridden in
/// `pipeline.yaml` (`whatsapp.version`).
public struct WhatsAppVersion: Sendable, Equatable, CustomStringConvertible, Codable {
    public var primary: UInt32
    public var secondary: UInt32
    public var tertiary: UInt32

    public static let shippedDefault = WhatsAppVersion(primary: 2, secondary: 3000, tertiary: 1_047_769_893)

    public init(primary: UInt32, secondary: UInt32, tertiary: UInt32) {
        self.primary = primary
        self.secondary = secondary
        self.tertiary = tertiary
    }

    /// Parses `2.3000.1047769893`; nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map { UInt32($0) }
        guard parts.count == 3, let a = parts[0], let b = parts[1], let c = parts[2] else { return nil }
        self.init(primary: a, secondary: b, tertiary: c)
    }

    public var description: String { "\(primary).\(secondary).\(tertiary)" }

    /// `buildHash` of the registration payload: MD5 of the dotted version string.
    var buildHash: Data { Data(Insecure.MD5.hash(data: Data(description.utf8))) }

    /// Asks WhatsApp Web for its current revision, as Baileys does (`/sw.js`, browser headers).
    /// Nil when it cannot be reached in `timeout` (no network, blocked): callers keep their version.
    public static func fetchLatest(timeout: TimeInterval = 5) async -> WhatsAppVersion? {
        var request = URLRequest(url: URL(string: "https://web.whatsapp.com/sw.js")!)
        request.timeoutInterval = timeout
        request.setValue("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
                         forHTTPHeaderField: "User-Agent")
        request.setValue("none", forHTTPHeaderField: "Sec-Fetch-Site")
        guard let (data, response) = try? await URLSession.shared.data(for: request),
              (response as? HTTPURLResponse)?.statusCode == 200 else { return nil }
        return parseClientRevision(from: String(decoding: data, as: UTF8.self))
    }

    /// The version to announce: the configured one, else a fresh one fetched at most once a day
    /// (kept in `cache`), else the shipped default.
    public static func current(configured: WhatsAppVersion?, cache: URL, fetch: () async -> WhatsAppVersion? = { await fetchLatest() }) async -> WhatsAppVersion {
        await current(configured: configured, loadCache: { try? Data(contentsOf: cache) },
                      saveCache: { try? $0.write(to: cache, options: .atomic) }, fetch: fetch)
    }

    /// The same, with the cache kept wherever `loadCache`/`saveCache` keep it (on PostgreSQL, the
    /// database, so every worker of a cluster announces the same version).
    public static func current(configured: WhatsAppVersion?, loadCache: () async -> Data?, saveCache: (Data) async -> Void,
                               fetch: () async -> WhatsAppVersion? = { await fetchLatest() }) async -> WhatsAppVersion {
        if let configured { return configured }
        struct Cached: Codable { var version: WhatsAppVersion; var fetchedAt: Date }
        if let data = await loadCache(), let cached = try? JSONDecoder().decode(Cached.self, from: data),
           Date().timeIntervalSince(cached.fetchedAt) < 86_400 {
            return cached.version
        }
        guard let fresh = await fetch(), fresh.tertiary >= shippedDefault.tertiary / 2 else { return shippedDefault }
        if let data = try? JSONEncoder().encode(Cached(version: fresh, fetchedAt: Date())) { await saveCache(data) }
        return fresh
    }

    /// Finds `"client_revision":NNN` in WhatsApp Web's HTML or service worker, the way whatsmeow
    /// and Baileys refresh their version at run time.
    public static func parseClientRevision(from page: String) -> WhatsAppVersion? {
        guard let range = page.range(of: #"\\?"client_revision\\?"\s*:\s*(\d+)"#, options: .regularExpression) else { return nil }
        let digits = page[range].filter(\.isNumber)
        guard let revision = UInt32(digits) else { return nil }
        return WhatsAppVersion(primary: 2, secondary: 3000, tertiary: revision)
    }
}
