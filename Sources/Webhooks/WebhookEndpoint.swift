public import Foundation
public import Store

/// One receiver of webhooks: a CRM or script URL and the events it wants (all when empty).
public struct WebhookEndpoint: Sendable, Equatable {
    public var url: URL
    public var events: Set<DomainEvent.Kind>

    public init(url: URL, events: Set<DomainEvent.Kind> = []) {
        self.url = url
        self.events = events
    }

    /// The URL without its query and credentials, for logs (a query often carries a token).
    public var displayName: String {
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        components?.query = nil
        components?.user = nil
        components?.password = nil
        return components?.string ?? url.host ?? "webhook"
    }
}
