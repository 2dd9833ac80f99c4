import Foundation

/// A campaign waiting in `inbox/`: a folder `inbox/<name>/`, or loose files in `inbox/` itself.
public struct Drop: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case folder
        /// `numbers.txt` + `message.txt` (+ image) straight in `inbox/`; named by arrival time.
        case loose
    }

    public var name: String
    public var kind: Kind
    /// Files that belong to the drop (full paths).
    public var files: [String]

    /// The parts Siaran recognises by name; content is checked later, never trusted from the name.
    public var contactsFile: String? { Self.contactsFile(in: files) }
    public var messageFile: String? { files.first { ($0 as NSString).lastPathComponent.lowercased() == "message.txt" } }
    public var optionsFile: String? { files.first { ["campaign.yaml", "campaign.yml"].contains(($0 as NSString).lastPathComponent.lowercased()) } }
    public var imageFile: String? {
        files.first { ["jpg", "jpeg", "png", "webp"].contains(($0 as NSString).pathExtension.lowercased()) }
    }

    static func contactsFile(in files: [String]) -> String? {
        let names = files.map { (($0 as NSString).lastPathComponent.lowercased(), $0) }
        for preferred in ["numbers.txt", "contacts.csv", "contacts.xlsx", "contacts.txt", "nomor.txt", "kontak.csv", "kontak.xlsx"] {
            if let match = names.first(where: { $0.0 == preferred }) { return match.1 }
        }
        let lists = names.filter { $0.0.hasSuffix(".csv") || $0.0.hasSuffix(".xlsx") }
        return lists.count == 1 ? lists[0].1 : nil
    }
}

/// Names that upload tools use while a file is still being written.
enum TemporaryName {
    static func matches(_ name: String) -> Bool {
        if name.hasPrefix(".") || name.hasPrefix("~") { return true }  // dotfiles, rsync's .name.XXXXXX, Office lock files
        let lower = name.lowercased()
        return lower.hasSuffix(".part") || lower.hasSuffix(".filepart") || lower.hasSuffix(".tmp") || lower.hasSuffix(".crdownload")
    }
}
