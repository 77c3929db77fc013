import Foundation
import Vapor
import HotlineCore
import HotlineStore

/// What a channel made of one try; the worker turns it into a stored outcome (and a retry time).
public enum ChannelResult: Sendable, Equatable {
    case sent(messageID: String?, answer: String, delivered: Bool)
    /// Worth trying again later (a timeout, a 5xx, a rate limit, an expired token that could not be renewed).
    case retryable(error: String, answer: String?)
    /// No retry can help (an invalid number, an unknown user, a refused template).
    case permanent(error: String, answer: String?)
    /// Not tried now: the channel's own limit asks to wait.
    case deferred(until: Date)
}

/// One way out of the app. Each channel builds the request its provider expects and reads its answer.
public protocol NotifyChannel: Sendable {
    var kind: NotifyChannelKind { get }
    func send(_ delivery: NotifyRepository.Delivery, now: Date) async -> ChannelResult
}

/// The inbox: the notice row itself is the message, so its delivery is recorded delivered when it is queued.
/// Kept as a channel so every kind goes through one protocol (a leftover queued in-app row is marked here).
public struct InAppChannel: NotifyChannel {
    public init() {}
    public var kind: NotifyChannelKind { .inApp }
    public func send(_ delivery: NotifyRepository.Delivery, now: Date) async -> ChannelResult {
        .sent(messageID: delivery.notificationID.uuidString, answer: "inbox", delivered: true)
    }
}

/// Sends one HTTP request with a timeout; a transport error or a timeout is retryable.
struct NotifyHTTP: Sendable {
    let client: any Client
    let timeout: TimeInterval

    func send(_ method: HTTPMethod, _ url: String, headers: HTTPHeaders = [:], body: ByteBuffer? = nil) async throws -> ClientResponse {
        let request = ClientRequest(method: method, url: URI(string: url), headers: headers, body: body,
                                    timeout: .milliseconds(Int64(timeout * 1000)))
        return try await client.send(request).get()
    }
}

extension ClientResponse {
    var text: String { body.map { String(buffer: $0) } ?? "" }
}
