import Foundation
import Testing
@testable import HotlineStore
import HotlineCore
import HotlineTesting

/// The order row read column by column, and id lists read without the JSON decoder (issue 16: a queue page read
/// from the store): the same orders as written, on both engines, and anything unusual still read by the decoder.
@Suite("工单行读取")
struct OrderRowReadTests {
    @Test func idListsReadByHandEqualTheDecoders() throws {
        let ids = (0..<3).map { _ in UUID() }
        for list in [[], [ids[0]], ids] {
            let text = JSON.encode(list)
            #expect(try JSON.decodeIDs(text) == list)
            #expect(try JSON.decodeIDs(text) == (try JSON.decode(text) as [UUID]))
        }
        // Spelled otherwise (spaces, lower case): the decoder reads it; not a list of ids: refused.
        let spaced = "[ \"\(ids[0].uuidString.lowercased())\" , \"\(ids[1].uuidString)\" ]"
        #expect(try JSON.decodeIDs(spaced) == [ids[0], ids[1]])
        #expect(throws: (any Error).self) { try JSON.decodeIDs("[\"not-an-id\"]") }
        #expect(throws: (any Error).self) { try JSON.decodeIDs("{}") }
        let dates = [Date(timeIntervalSince1970: 1_800_000_000)]
        #expect(try JSON.decodeList(JSON.encode(dates)) == dates)
        #expect(try (JSON.decodeList("[]") as [Date]).isEmpty)
    }

    @Test(arguments: Engine.all)
    func anOrderReadBackColumnByColumnIsTheOrderWritten(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let order = try await b.dispatched("ROW-1")
            let signed = try await b.service.perform(.sign, on: order.id, by: b.handlerA, at: MiniBanner.t0 + 60)
            let read = try #require(try await b.service.orders.find(order.id))
            #expect(read == signed)
            #expect(read.unitHistory == signed.unitHistory && !read.unitHistory.isEmpty)
            let queue = try await b.service.orders.queue(units: [b.townA])
            #expect(queue.map(\.id) == [order.id])
            #expect(queue.first == signed)
        }
    }
}
