import Foundation
import WABinary

/// Carrying out what `ReachOutLimits` decides: the file that keeps it, the notice staff read,
/// the event the daemon turns into a webhook, and the timer that ends a restriction.
extension WhatsAppSession {
    static func loadReachOut(_ storage: any SessionStorage) async -> ReachOutLimits {
        guard let data = try? await storage.loadReachOut(),
              let limits = try? JSONDecoder().decode(ReachOutLimits.self, from: data) else { return ReachOutLimits() }
        return limits
    }

    func apply(_ change: ReachOutLimits.Change) async {
        do { try await storage.saveReachOut(JSONEncoder().encode(reachOut)) } catch {
            logger.warning("could not save \(ReachOutRestriction.fileName): \(error)")
        }
        switch change {
        case .none:
            return
        case .restricted(let restriction):
            let text = restrictedNotice(restriction)
            logger.error("\(text.english)")
            writeNotice(text.english + "\n" + text.indonesian)
            emit(.restricted(restriction))
            scheduleRestrictionEnd(restriction.until)
        case .lifted:
            scheduleRestrictionEnd(nil)
            let text = "WhatsApp no longer restricts this number (\(name)) from starting new chats; campaigns use it for new contacts again."
            let indonesian = "WhatsApp tidak lagi membatasi nomor ini (\(name)) untuk memulai chat baru; kampanye memakainya lagi untuk kontak baru."
            logger.notice("\(text)")
            writeNotice(text + "\n" + indonesian)
            emit(.restrictionLifted)
        }
    }

    /// The words of `NOTICE.txt`, `siaran sessions list` and the dashboard for a restriction.
    public nonisolated func restrictedNotice(_ restriction: ReachOutRestriction) -> (english: String, indonesian: String) {
        let until = configuration.noticeTime(restriction.until)
        return ("WhatsApp restricted this number (\(name)) from starting new chats until \(until) (\(restriction.cause.english)). "
                + "Campaign messages to people who never wrote to it go through other numbers, or wait until then; people who wrote to it are still answered. "
                + "Do not keep trying from this number: that makes the restriction longer.",
                "WhatsApp membatasi nomor ini (\(name)) untuk memulai chat baru sampai \(until) (\(restriction.cause.indonesian)). "
                + "Pesan kampanye ke orang yang belum pernah menulis ke nomor ini dikirim lewat nomor lain, atau menunggu sampai saat itu; orang yang pernah menulis tetap dijawab. "
                + "Jangan terus mencoba dari nomor ini: pembatasannya justru makin lama.")
    }

    /// The core keeps the timer that ends a restriction (nil: none any more).
    func scheduleRestrictionEnd(_ until: Date?) {
        track { await self.feed(.restrictionChanged(until: until)) }
    }

    /// After a 463, asks the server whether the account is under the reach-out timelock (the mex
    /// query Baileys sends then): that tells an account restriction from a contact whose token we
    /// lack at the first refusal. An answer that is not active changes nothing; no answer (an old
    /// server, a timeout) leaves it to the notification and the count of refusals.
    func askReachOutTimelock(on connection: NodeConnection) async {
        do {
            let answer = try await connection.query(xmlns: "w:mex", type: "get", children: [
                Node("query", [("query_id", .string(ReachOutNotice.timelockQueryID))], content: .bytes(Array(#"{"variables":{}}"#.utf8))),
            ], timeout: .seconds(10))
            guard let json = answer.child("result")?.bytes, let timelock = ReachOutNotice.timelock(queryResult: json) else {
                logger.debug("the reach-out timelock query came back without an answer")
                return
            }
            if timelock.active { await apply(reachOut.timelock(timelock, now: Date())) }
        } catch {
            logger.debug("the reach-out timelock query failed: \(error)")
        }
    }

    /// `<notification type="mex"><update op_name=…>{json}</update></notification>`: the reach-out
    /// timelock and the new-chat message cap (protocol brief §12); other operations are ignored.
    func handleMexNotification(_ node: Node) async {
        guard let update = node.child("update"), let operation = update.string("op_name") else { return }
        guard let json = update.bytes, let notice = ReachOutNotice(operation: operation, json: json) else {
            if [ReachOutNotice.timelockOperation, ReachOutNotice.newChatCapOperation].contains(operation) {
                logger.warning("a \(operation) notification without the expected fields; ignored")
            }
            return
        }
        let now = Date()
        switch notice {
        case .timelock(let timelock):
            await apply(reachOut.timelock(timelock, now: now))
        case .newChatCap(let cap):
            if let used = cap.used, let total = cap.total {
                logger.notice("new-chat cap: \(used) of \(total) used (\(cap.status ?? "?"))")
            }
            if cap.status == "FIRST_WARNING" || cap.status == "SECOND_WARNING" {
                emit(.notice("WhatsApp warns that this number is near its cap on new chats (\(cap.used.map(String.init) ?? "?") of \(cap.total.map(String.init) ?? "?") used)"))
            }
            await apply(reachOut.newChatCap(cap, now: now))
        }
    }
}
