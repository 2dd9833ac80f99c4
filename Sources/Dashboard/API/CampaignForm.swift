import Foundation
import Pipeline

/// The New campaign form's options — schedule, sending numbers, delay range, approval, priority,
/// A/B variants — with its Advanced `campaign.yaml` text, checked by the pipeline's one
/// `campaign.yaml` validator (`CampaignOptions.check`): the form refuses exactly what a dropped
/// `campaign.yaml` would, with the same words, and each refusal names its field.
///
/// Fields (multipart): `send_mode` (`now` or `later`) with `send_date` (`YYYY-MM-DD`) and
/// `send_time` (`HH:MM`) in the configured zone; `best_send_time` (`best`: campaign.yaml's `send_time: best`); `sessions` (once per ticked number); `delay_min`,
/// `delay_max` (seconds); `approval` (`required`); `priority`; `variant` (once per extra message
/// text: the `message` is variant A); `options` (the Advanced text); `name`; the segment builder's
/// rows (`SegmentForm`); `ab_enabled` (`on`) with `ab_sample` (percent), `ab_metric`, `ab_wait` and
/// `ab_wait_unit` (`m`, `h` or `d`), `ab_min_per_variant`, `ab_fallback`.
struct CampaignForm {
    /// The checked options (form fields over the Advanced text).
    var options = CampaignOptions()
    /// Refused fields: the option (`send_at`, `sessions`, `delay`, `approval`, `priority`,
    /// `variants`, `name`, or `options` for the Advanced text) → why, in the page's language.
    var problems: [String: String] = [:]

    /// The builder's row (`segment-N`) naming each column (lower case), to place a column the list lacks.
    var segmentRows: [String: String] = [:]

    /// Whether the form sets nothing (no `campaign.yaml` is needed).
    var isEmpty: Bool { options == CampaignOptions() }

    init(_ form: MultipartForm, timeZone: String, indonesian: Bool) {
        var yamlKeys = Set<String>()
        if let text = form.part("options")?.typed, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            do {
                (options, yamlKeys) = try CampaignOptions.parseWithKeys(text, defaultTimeZone: timeZone)
            } catch {
                problems["options"] = indonesian ? error.indonesianDescription : error.description
            }
        }
        let zone = TimeZone(identifier: timeZone) ?? .current
        for (key, value) in Self.fields(form) {
            if yamlKeys.contains(key) {
                problems[key] = indonesian ? "diisi di sini dan juga di campaign.yaml (Lanjutan); pilih salah satu"
                    : "set both here and in campaign.yaml (Advanced); keep one"
                continue
            }
            do {
                try CampaignOptions.check(key, value, zone: zone, into: &options)
            } catch {
                problems[key] = indonesian ? error.indonesian : error.english
            }
        }
        // The segment builder's rows (`SegmentForm`): each refused row beside itself, the whole as `segment:`.
        let builder = SegmentForm(form)
        segmentRows = builder.rowOfColumn
        for (key, words) in builder.problems { problems[key] = indonesian ? words.indonesian : words.english }
        if let segment = builder.text {
            if yamlKeys.contains("segment") {
                problems["segment"] = indonesian ? "diisi di sini dan juga di campaign.yaml (Lanjutan); pilih salah satu"
                    : "set both here and in campaign.yaml (Advanced); keep one"
            } else {
                do { try CampaignOptions.check("segment", .text(segment), zone: zone, into: &options) } catch {
                    problems["segment"] = indonesian ? error.indonesian : error.english
                }
            }
        }
        let typed = form.part("name")?.text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if !typed.isEmpty, options.name == nil {
            do { try CampaignOptions.check("name", .text(typed), zone: zone, into: &options) } catch {
                problems["name"] = indonesian ? error.indonesian : error.english
            }
        }
    }

    /// The form's option fields as `campaign.yaml` keys and values; fields left empty set nothing.
    static func fields(_ form: MultipartForm) -> [(key: String, value: CampaignOptions.Value)] {
        func text(_ name: String) -> String { form.part(name)?.text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }
        var fields: [(key: String, value: CampaignOptions.Value)] = []
        if text("send_mode") == "later" {
            fields.append(("send_at", .text("\(text("send_date")) \(text("send_time"))")))
        }
        let sessions = form.parts.filter { $0.name == "sessions" }.compactMap { $0.text?.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if !sessions.isEmpty { fields.append(("sessions", .list(sessions))) }
        let delayMin = text("delay_min"), delayMax = text("delay_max")
        if !delayMin.isEmpty || !delayMax.isEmpty {
            var pairs: [String: String] = [:]
            if !delayMin.isEmpty { pairs["min"] = delayMin }
            if !delayMax.isEmpty { pairs["max"] = delayMax }
            fields.append(("delay", .pairs(pairs)))
        }
        if text("approval") == "required" { fields.append(("approval", .text("required"))) }
        if text("best_send_time") == "best" { fields.append(("send_time", .text("best"))) }
        if !text("priority").isEmpty && text("priority") != "0" { fields.append(("priority", .text(text("priority")))) }
        let extra = form.parts.filter { $0.name == "variant" }.compactMap(\.typed).filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        if !extra.isEmpty {
            // The message box is variant A; an empty one is refused with the others.
            let first = form.part("message")?.typed?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            fields.append(("variants", .list([first] + extra.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })))
        }
        // Test, then send the winner (`ab_test:`): only when ticked; empty fields keep the defaults.
        if text("ab_enabled") == "on" {
            var pairs: [String: String] = [:]
            if !text("ab_sample").isEmpty { pairs["sample"] = text("ab_sample") }
            if !text("ab_metric").isEmpty { pairs["metric"] = text("ab_metric") }
            if !text("ab_wait").isEmpty { pairs["wait"] = text("ab_wait") + (text("ab_wait_unit").isEmpty ? "h" : text("ab_wait_unit")) }
            if !text("ab_min_per_variant").isEmpty { pairs["min_per_variant"] = text("ab_min_per_variant") }
            if !text("ab_fallback").isEmpty { pairs["fallback"] = text("ab_fallback") }
            fields.append(("ab_test", .pairs(pairs)))
        }
        return fields
    }

    /// One line naming every refused field, for clients that do not place them.
    var summary: String {
        problems.sorted { $0.key < $1.key }.map { $0.key == "options" ? $0.value : "\($0.key): \($0.value)" }.joined(separator: "; ")
    }
}
