import Crypto
import Foundation

/// Unguessable URL-safe tokens (CSRF secrets, upload folder names).
enum RandomToken {
    static func make(bytes: Int) -> String {
        let key = SymmetricKey(size: .init(bitCount: bytes * 8))
        let data = key.withUnsafeBytes { Data($0) }
        return data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Constant-time comparison, so a CSRF check does not leak how much of a guess was right.
    static func equal(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}
