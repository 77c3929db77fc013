import Foundation
import Testing
import Vapor
import VaporTesting
import HotlineCore
import HotlineStore
import HotlineServer
import HotlineTesting

/// The fake city platform speaks the protocol the banner's delivery is built against: signed deliveries,
/// one record per message id, sequence checks, and each misbehaviour on request.
@Suite("Fake city platform") struct FakeCityTests {
    static let secret = "fake-city-test-secret-0123456789"

    /// Runs `body` with a fake city on a free loopback port and a plain HTTP client acting as the banner.
    func withFake(hangLimit: TimeInterval = 60, _ body: (FakeCity, any Client, ManualClock) async throws -> Void) async throws {
        let clock = ManualClock(MiniBanner.t0)
        let city = try await FakeCity.start(port: 0, bannerURL: URL(string: "http://127.0.0.1:9")!, secret: Self.secret,
                                            now: { clock.now() }, hangLimit: hangLimit)
        do {
            try await withApp { app in try await body(city, app.client, clock) }
        } catch {
            await city.stop()
            throw error
        }
        await city.stop()
    }

    func message(_ order: String = "DLT202601050001", sequence: Int = 1, kind: CityOutboundKind = .sign) -> CityOutboundMessage {
        CityOutboundMessage(orderNumber: order, sequence: sequence, kind: kind, at: MiniBanner.t0, actorName: "西园街道受理员", text: "已签收")
    }

    /// Delivers like the banner: CityJSON body, signed, with the message id as Idempotency-Key.
    func deliver(_ m: CityOutboundMessage, to city: FakeCity, client: any Client, secret: String = FakeCityTests.secret,
                 timestamp: Int = Int(MiniBanner.t0.timeIntervalSince1970), tamper: ((inout Data) -> Void)? = nil,
                 key: String? = nil) async throws -> ClientResponse {
        let signed = try CityJSON.encoder().encode(m)
        var body = signed
        tamper?(&body)
        var headers = HTTPHeaders()
        headers.contentType = .json
        headers.replaceOrAdd(name: "Idempotency-Key", value: key ?? m.messageID.uuidString)
        headers.replaceOrAdd(name: CitySignature.timestampHeader, value: String(timestamp))
        headers.replaceOrAdd(name: CitySignature.signatureHeader, value: CitySignature.sign(secret: secret, timestamp: timestamp, body: signed))
        return try await client.post(URI(string: city.url.absoluteString + "/v1/banner/messages"), headers: headers) {
            $0.body = ByteBuffer(data: body)
        }
    }

    func ack(_ response: ClientResponse) throws -> CityAcknowledgement {
        try CityJSON.decoder().decode(CityAcknowledgement.self, from: Data(buffer: try #require(response.body)))
    }

    @Test func aCorrectlySignedMessageIsAcknowledgedAtTheFakesTime() async throws {
        try await withFake { (city, client, clock) async throws in
            clock.advance(by: 42)
            let m = message()
            let response = try await deliver(m, to: city, client: client)
            #expect(response.status == .ok)
            let answer = try ack(response)
            #expect(answer == CityAcknowledgement(messageID: m.messageID, acknowledgedAt: clock.now(), duplicate: false))
            let received = await city.received()
            #expect(received.map(\.messageID) == [m.messageID])
            #expect(received.first?.message == m)
        }
    }

    @Test func badSignaturesAreRefusedAndNotRecorded() async throws {
        try await withFake { (city, client, _) async throws in
            let other = try await deliver(message(), to: city, client: client, secret: "another-secret-0123456789")
            #expect(other.status == .unauthorized)
            let changed = try await deliver(message(), to: city, client: client) { body in
                body = Data(String(decoding: body, as: UTF8.self).replacingOccurrences(of: "已签收", with: "已办结").utf8)
            }
            #expect(changed.status == .unauthorized)
            var headers = HTTPHeaders()
            headers.contentType = .json
            let unsigned = try await client.post(URI(string: city.url.absoluteString + "/v1/banner/messages"), headers: headers) {
                $0.body = ByteBuffer(data: try CityJSON.encoder().encode(message()))
            }
            #expect(unsigned.status == .unauthorized)
            let wrongKey = try await deliver(message(), to: city, client: client, key: UUID().uuidString)
            #expect(wrongKey.status == .badRequest)
            #expect(await city.received().isEmpty)
            #expect(await city.state().badSignatures == 3)
        }
    }

    @Test func aMessageIsRecordedOnceAndRepeatsAreDuplicates() async throws {
        try await withFake { (city, client, _) async throws in
            let m = message()
            var duplicates: [Bool] = []
            for _ in 0..<3 {
                let response = try await deliver(m, to: city, client: client)
                duplicates.append(try ack(response).duplicate)
            }
            #expect(duplicates == [false, true, true])
            let received = await city.received()
            #expect(received.count == 1)
            #expect(received.first?.deliveries == 3)
            #expect(await city.deliveries(of: m.messageID) == 3)
            #expect(await city.violations().isEmpty)
        }
    }

    @Test func sequencesOutOfOrderAreRecordedAsViolations() async throws {
        try await withFake { (city, client, _) async throws in
            // Order A in order: no violation.
            for seq in 1...3 { _ = try await deliver(message("DLT-A", sequence: seq), to: city, client: client) }
            #expect(await city.violations().isEmpty)
            // Order B: #2 before #1.
            let second = message("DLT-B", sequence: 2)
            _ = try await deliver(second, to: city, client: client)
            _ = try await deliver(message("DLT-B", sequence: 1), to: city, client: client)
            let violations = await city.violations()
            #expect(violations.first == FakeCityViolation(orderNumber: "DLT-B", expected: 1, got: 2, messageID: second.messageID))
            #expect(violations.allSatisfy { $0.orderNumber == "DLT-B" })
            // Order C: a gap (#1 then #3).
            _ = try await deliver(message("DLT-C", sequence: 1), to: city, client: client)
            _ = try await deliver(message("DLT-C", sequence: 3), to: city, client: client)
            #expect(await city.violations().contains { $0.orderNumber == "DLT-C" && $0.expected == 2 && $0.got == 3 })
        }
    }

    @Test func downAndError500RefuseWithoutRecording() async throws {
        try await withFake { (city, client, _) async throws in
            await city.setMode(.down)
            #expect(try await deliver(message(), to: city, client: client).status == .serviceUnavailable)
            await city.setMode(.error500)
            #expect(try await deliver(message(), to: city, client: client).status == .internalServerError)
            #expect(await city.received().isEmpty)
            await city.setMode(.normal)
            #expect(try await deliver(message(), to: city, client: client).status == .ok)
        }
    }

    @Test func ackTwiceRecordsButAnswers500SoTheRetryIsADuplicate() async throws {
        try await withFake { (city, client, _) async throws in
            await city.setMode(.ackTwice)
            let m = message()
            #expect(try await deliver(m, to: city, client: client).status == .internalServerError)
            #expect(await city.received().count == 1)
            let retry = try await deliver(m, to: city, client: client)
            #expect(retry.status == .ok)
            #expect(try ack(retry).duplicate == true)
            #expect(await city.received().count == 1)
        }
    }

    @Test func reorderRefusesTheFirstSightOfSequenceOne() async throws {
        try await withFake { (city, client, _) async throws in
            await city.setMode(.reorder)
            let first = message("DLT-R", sequence: 1)
            #expect(try await deliver(first, to: city, client: client).status == .serviceUnavailable)
            #expect(await city.received().isEmpty)
            // A naive sender goes on with #2: that is a violation.
            _ = try await deliver(message("DLT-R", sequence: 2), to: city, client: client)
            #expect(await city.violations().count == 1)
            // The retry of #1 is taken.
            #expect(try await deliver(first, to: city, client: client).status == .ok)
            #expect(await city.deliveries(of: first.messageID) == 2)
        }
    }

    @Test func hangHoldsADeliveryUntilTheModeChanges() async throws {
        try await withFake { (city, client, _) async throws in
            await city.setMode(.hang)
            let m = message()
            let pending = Task { try await deliver(m, to: city, client: client).status }
            while await city.heldRequests() == 0 { await Task.yield() }
            #expect(await city.received().isEmpty)
            await city.setMode(.normal)
            #expect(try await pending.value == .ok)
            #expect(await city.received().count == 1)
        }
    }

    @Test func hangGivesUpAfterItsLimit() async throws {
        try await withFake(hangLimit: 0.2) { (city, client, _) async throws in
            await city.setMode(.hang)
            #expect(try await deliver(message(), to: city, client: client).status == .serviceUnavailable)
            #expect(await city.received().isEmpty)
        }
    }

    @Test func controlEndpointsSetTheModeResetAndShowTheState() async throws {
        try await withFake { (city, client, _) async throws in
            let base = city.url.absoluteString
            let set = try await client.post(URI(string: base + "/control/mode")) { try $0.content.encode(["mode": "down"], as: .json) }
            #expect(set.status == .ok)
            #expect(await city.mode() == .down)
            let bad = try await client.post(URI(string: base + "/control/mode")) { try $0.content.encode(["mode": "sideways"], as: .json) }
            #expect(bad.status == .badRequest)
            #expect(await city.mode() == .down)
            _ = try await client.post(URI(string: base + "/control/mode")) { try $0.content.encode(["mode": "normal"], as: .json) }
            _ = try await deliver(message(), to: city, client: client)
            let state = try await client.get(URI(string: base + "/control/state"))
            let decoded = try CityJSON.decoder().decode(FakeCityState.self, from: Data(buffer: try #require(state.body)))
            #expect(decoded.received.count == 1 && decoded.mode == .normal)
            let page = try await client.get(URI(string: base + "/"))
            let html = page.body.map { String(buffer: $0) } ?? ""
            #expect(html.contains("模拟市12345平台") && html.contains("DLT202601050001") && html.contains("签收"))
            _ = try await client.post(URI(string: base + "/control/reset"))
            #expect(await city.received().isEmpty)
            let pushBad = try await client.post(URI(string: base + "/control/push-orders")) { try $0.content.encode(["count": 0], as: .json) }
            #expect(pushBad.status == .badRequest)
        }
    }

    @Test(arguments: Engine.all) func pushesThreeNewOrdersIntoARunningBanner(engine: Engine) async throws {
        try await withRunningBanner(engine) { banner in
            let city = try await FakeCity.start(port: 0, bannerURL: banner.url, secret: CityHarness.secret,
                                                now: { banner.clock.now() })
            do {
                let results = try await city.pushNewOrders(count: 3)
                #expect(results.map(\.status) == [200, 200, 200], "\(results.map(\.body))")
                for result in results {
                    #expect(result.order.number.hasPrefix("DLT") && result.order.number.count == 15)
                    let stored = try #require(try await banner.app.orderService.orders.find(number: result.order.number))
                    #expect(stored.title == result.order.title && stored.state == .received)
                    #expect(stored.categoryID != nil, "category \(result.order.category ?? "") matched in the catalogue")
                }
                #expect(await city.state().pushed.count == 3)
                // The helpers for the rest of the protocol, against the order's real state.
                let first = results[0].order
                let received = try #require(try await banner.app.orderService.orders.find(number: first.number))
                #expect(try await city.pushUrge(first.number).status == 422, "a received order cannot be urged yet")
                _ = try await banner.mini.service.perform(.dispatch(lead: banner.mini.townA, assisting: []), on: received.id,
                                                          by: banner.mini.dispatcher, at: banner.clock.now())
                #expect(try await city.pushUrge(first.number).status == 200)
                var changed = first
                changed.title = first.title + "（市平台补充）"
                #expect(try await city.pushOrderUpdate(changed).status == 200)
                #expect(try await banner.app.orderService.orders.find(number: first.number)?.title == changed.title)
                let ext = try await city.pushExtensionDecision(first.number, approve: true)
                #expect(ext.status == 422 && ext.body.contains("nothing_pending"))
                #expect(try await city.pushExplanationDecision(first.number, approve: false).status == 422)
                #expect(try await city.pushCallback(first.number, resolved: true, satisfaction: .satisfied).status == 422)
                #expect(try await city.pushUrge("DLT000000000000").status == 404)
                #expect(await city.state().pushed.map(\.status).suffix(7) == [422, 200, 200, 422, 422, 422, 404])
            } catch {
                await city.stop()
                throw error
            }
            await city.stop()
        }
    }
}
