import Foundation
import Crypto

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

    /// Finds `"client_revision":NNN` in WhatsApp Web's HTML or service worker, the way whatsmeow
    /// and Baileys refresh their version at run time.
    public static func parseClientRevision(from page: String) -> WhatsAppVersion? {
        guard let range = page.range(of: #""client_revision"\s*:\s*(\d+)"#, options: .regularExpression) else { return nil }
        let digits = page[range].filter(\.isNumber)
        guard let revision = UInt32(digits) else { return nil }
        return WhatsAppVersion(primary: 2, secondary: 3000, tertiary: revision)
    }
}
