import Foundation

extension MessageRenderer {
    /// The opt-out words recipients reply with, when the caller does not pass `optout.keywords`.
    public static let defaultOptOutKeywords = ["STOP", "BERHENTI", "UNSUB"]

    /// The check a text written by someone who does not know Siaran (a language model) must pass
    /// before a person sees it: everything ``check(_:hasMedia:longestValues:)`` looks at, and also
    /// - no opt-out line of its own: Siaran appends the configured one (`message.optout_footer`),
    ///   and a second one, worded differently, confuses recipients;
    /// - WhatsApp's formatting only (`*bold*`, `_italic_`, `~strike~`, ```` ```mono``` ````, lists and
    ///   quotes): Markdown headings, `**double**` marks, links and HTML show up as stray symbols;
    /// - no line that is only `---`, which would split the text into A/B variants.
    public func checkDraft(_ template: MessageTemplate, hasMedia: Bool, longestValues: [String: Int] = [:],
                           optOutKeywords: [String] = MessageRenderer.defaultOptOutKeywords) -> Check {
        var result = check(template, hasMedia: hasMedia, longestValues: longestValues)
        for (index, source) in template.variantSources.enumerated() {
            let label = template.variantSources.count > 1 ? "variant \(MessageTemplate.variantName(index)): " : ""
            for finding in DraftRules.findings(in: source, footer: configuration.optOutFooter, keywords: optOutKeywords) {
                result.errors.append(TemplateError(finding.code, file: template.file, line: finding.line, column: finding.column,
                                                   message: label + finding.message))
            }
        }
        return result
    }
}

/// The rules of ``MessageRenderer/checkDraft(_:hasMedia:longestValues:optOutKeywords:)`` that look at
/// the text itself rather than at its variables and length.
enum DraftRules {
    struct Finding: Equatable {
        var code: TemplateError.Code
        var line: Int
        var column: Int
        var message: String
    }

    private struct Rule {
        var pattern: NSRegularExpression
        var code: TemplateError.Code
        var message: String
    }

    // Each pattern is matched against one line at a time.
    private static let formattingRules: [Rule] = [
        rule(#"\*\*[^*\n]+\*\*"#, .unsupportedFormatting,
             "**double asterisks** are Markdown; WhatsApp makes text bold with one asterisk on each side (*bold*)"),
        rule(#"__[^_\n]+__"#, .unsupportedFormatting,
             "__double underscores__ are Markdown; WhatsApp makes text italic with one underscore on each side (_italic_)"),
        rule(#"~~[^~\n]+~~"#, .unsupportedFormatting,
             "~~double tildes~~ are Markdown; WhatsApp strikes text through with one tilde on each side (~strike~)"),
        rule(#"^\s{0,3}#{1,6}\s+\S"#, .unsupportedFormatting,
             "a line starting with # is a Markdown heading, which WhatsApp shows as a plain #; use *bold* for a title"),
        rule(#"\[[^\]\n]+\]\([^)\s]+\)"#, .unsupportedFormatting,
             "[text](link) is a Markdown link, which WhatsApp shows as it is; write the address itself"),
        rule(#"</?(b|i|u|s|em|strong|br|p|a|div|span|ul|ol|li|h[1-6])(\s[^>]*)?/?>"#, .unsupportedFormatting,
             "HTML tags are shown as they are on WhatsApp; use WhatsApp formatting (*bold*, _italic_)"),
        rule(#"^\s*\|?\s*:?-{3,}:?\s*\|"#, .unsupportedFormatting,
             "a Markdown table does not display on WhatsApp; write the items as lines"),
        rule(#"^\s*-{3,}\s*$"#, .unsupportedFormatting,
             "a line that is only --- separates A/B variants in Siaran's message files; remove it from inside a variant"),
    ]

    private static let optOutPhrases: [NSRegularExpression] = [
        #"\bunsubscribe\b"#, #"\bopt[- ]?out\b"#, #"\bstop (receiving|getting)\b"#,
        #"\bberhenti (ber)?langganan\b"#, #"\bberhenti menerima\b"#, #"\btidak ingin menerima\b"#,
    ].map { try! NSRegularExpression(pattern: $0, options: [.caseInsensitive]) }

    private static func rule(_ pattern: String, _ code: TemplateError.Code, _ message: String) -> Rule {
        Rule(pattern: try! NSRegularExpression(pattern: pattern, options: [.caseInsensitive]), code: code, message: message)
    }

    static func findings(in source: String, footer: String, keywords: [String]) -> [Finding] {
        var findings: [Finding] = []
        let keywordPattern = keywords.filter { !$0.isEmpty }.map(NSRegularExpression.escapedPattern(for:)).joined(separator: "|")
        // "Balas STOP", "reply STOP", "ketik BERHENTI": an instruction to answer with an opt-out word.
        let replyWord = keywordPattern.isEmpty ? nil : try? NSRegularExpression(
            pattern: #"\b(balas|ketik|kirim|reply|send|text|respond|jawab)\b[^\n]{0,20}?\b("# + keywordPattern + #")\b"#,
            options: [.caseInsensitive])
        let footerWords = normalised(footer)
        for (offset, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = String(line)
            let range = NSRange(text.startIndex..., in: text)
            for rule in formattingRules {
                if let match = rule.pattern.firstMatch(in: text, range: range) {
                    findings.append(Finding(code: rule.code, line: offset + 1, column: column(of: match.range, in: text), message: rule.message))
                }
            }
            var optOut: NSRange?
            if !footerWords.isEmpty, normalised(text).contains(footerWords) {
                optOut = range
            } else if let match = replyWord?.firstMatch(in: text, range: range) {
                optOut = match.range
            } else {
                optOut = optOutPhrases.lazy.compactMap { $0.firstMatch(in: text, range: range)?.range }.first
            }
            if let optOut {
                findings.append(Finding(
                    code: .ownOptOutLine, line: offset + 1, column: column(of: optOut, in: text),
                    message: "the text has an opt-out line of its own; remove it, Siaran appends the configured one (\(footer.isEmpty ? "message.optout_footer" : "\"\(footer)\""))"))
            }
        }
        return findings
    }

    /// Lower case, letters and digits only, single spaces: "Balas  STOP untuk berhenti." → "balas stop untuk berhenti".
    private static func normalised(_ text: String) -> String {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.joined(separator: " ")
    }

    /// 1-based column in characters of the start of `range`.
    private static func column(of range: NSRange, in text: String) -> Int {
        guard let start = Range(range, in: text)?.lowerBound else { return 1 }
        return text.distance(from: text.startIndex, to: start) + 1
    }
}
