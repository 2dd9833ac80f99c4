import Foundation

/// Keyword matching as people expect it: whole words, without regard to case or accents
/// ("HARGA", "harga?", "Hárga" all hold the word `harga`; "hargai" does not).
public enum KeywordText {
    /// The text's words, lower-cased with accents and full-width forms folded.
    public static func words(_ text: String) -> [String] {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
            .lowercased()
            .split { !($0.isLetter || $0.isNumber) }
            .map(String.init)
    }

    /// Whether `phrase` (one word or several) occurs in `words` as consecutive whole words.
    public static func contains(_ words: [String], phrase: [String]) -> Bool {
        guard !phrase.isEmpty, words.count >= phrase.count else { return false }
        for start in 0...(words.count - phrase.count) where words[start] == phrase[0] {
            if Array(words[start..<(start + phrase.count)]) == phrase { return true }
        }
        return false
    }
}
