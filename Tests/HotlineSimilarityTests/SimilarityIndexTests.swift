import Foundation
import Testing
@testable import HotlineSimilarity

@Suite("相似回复索引 (MinHash + LSH)")
struct SimilarityIndexTests {
    static let reply = "经核实，金鹏小区3号楼2单元供暖回水阀门老化堵塞，室温实测14度。3月3日上午，热力公司王伟带领2名工人更换了回水阀门，"
        + "并对楼内管道排气。复测室温19度，符合标准。3月4日16时电话联系张先生告知结果，张先生表示满意。"
    static let refilled = "经核实，文苑社区12号楼5单元供暖回水阀门老化堵塞，室温实测13.5度。2026年3月9日下午，热力公司李建国带领3名工人"
        + "更换了回水阀门，并对楼内管道排气。复测室温20度，符合标准。3月10日9:30电话联系赵女士告知结果，赵女士表示满意。"
    static let distinct = "经查，该户停暖系拖欠两个供暖季取暖费所致，热力公司依合同暂停供暖。社区网格员会同收费员上门讲解缴费政策，"
        + "诉求人当场补缴部分费用，当天下午恢复供暖。诉求人表示理解，基本满意。"

    @Test func anAddedReplyIsFoundWithItsOrderAndCategory() throws {
        let index = SimilarityIndex()
        let id = UUID(), order = UUID()
        #expect(index.add(id: id, orderID: order, category: "供暖", text: Self.reply))
        index.add(orderID: UUID(), category: "供暖", text: Self.distinct)
        #expect(index.count == 2)
        let match = try #require(index.query(Self.refilled).first)
        #expect(match.id == id)
        #expect(match.orderID == order)
        #expect(match.category == "供暖")
        #expect(match.similarity > 0.9)
        #expect(index.query(Self.reply, limit: 1).first?.similarity == 1)
    }

    /// A template used very often fills every band bucket it is in, and only the newest entries of a bucket are
    /// examined; a copy with only its blanks changed is still found at once through its whole signature.
    @Test func aTemplateCopyIsFoundEvenBehindCrowdedBuckets() throws {
        let index = SimilarityIndex(maximumPerBucket: 3)
        let original = UUID()
        index.add(orderID: original, category: "供暖", text: Self.reply)
        // Three hundred later replies of the same template, each with a short remark of its own: they share the
        // original's band buckets and bury it there.
        let remarks = ["纸箱", "门禁", "排气阀", "保温层", "过滤网", "平衡阀", "暖气片", "回水管"]
        for k in 0..<300 {
            index.add(orderID: UUID(), category: "供暖", text: Self.reply + remarks[k % 8] + remarks[(k / 8) % 8] + remarks[(k / 64) % 8])
        }
        let copy = Self.reply.replacingOccurrences(of: "3号楼2单元", with: "7号楼1单元").replacingOccurrences(of: "王伟", with: "李建国")
            .replacingOccurrences(of: "3月4日16时", with: "3月12日10时").replacingOccurrences(of: "张先生", with: "赵女士")
        let best = try #require(index.query(copy, limit: 1).first)
        #expect(best.orderID == original)
        #expect(best.similarity == 1)
    }

    @Test func distinctRepliesOnTheSameTopicAreNotSimilar() {
        let index = SimilarityIndex()
        index.add(orderID: UUID(), category: "供暖", text: Self.reply)
        #expect(index.query(Self.distinct, minimumSimilarity: 0.3).isEmpty)
    }

    @Test func theQueryingOrdersOwnRepliesAreLeftOut() {
        let index = SimilarityIndex()
        let order = UUID()
        index.add(orderID: order, category: "供暖", text: Self.reply)
        #expect(index.query(Self.refilled, excludingOrder: order).isEmpty)
        #expect(index.query(Self.refilled, excludingOrder: UUID()).count == 1)
    }

    @Test func removedRepliesAreGoneAndReAddingAnIdReplacesIt() {
        let index = SimilarityIndex()
        let id = UUID()
        index.add(id: id, orderID: UUID(), category: "供暖", text: Self.reply)
        index.add(id: id, orderID: UUID(), category: "供暖", text: Self.distinct)
        #expect(index.count == 1)
        #expect(index.query(Self.refilled, minimumSimilarity: 0.5).isEmpty)
        #expect(index.remove(id: id))
        #expect(!index.remove(id: id))
        #expect(index.count == 0)
        #expect(index.query(Self.distinct).isEmpty)
        #expect(!index.contains(id: id))
    }

    @Test func anEmptyReplyIsNotIndexed() {
        let index = SimilarityIndex()
        #expect(!index.add(orderID: UUID(), category: "供暖", text: "。。！"))
        #expect(index.count == 0)
        #expect(index.query("").isEmpty)
    }

    @Test func bucketsStayConsistentAsSharedEntriesComeAndGo() {
        let index = SimilarityIndex()
        var ids: [UUID] = []
        var shared = Set<UUID>()
        for k in 0..<400 {
            let id = UUID()
            ids.append(id)
            // Half share one text (one long chain per band), half are each their own.
            if k.isMultiple(of: 2) { shared.insert(id) }
            let text = k.isMultiple(of: 2) ? Self.reply : "第\(k)号。" + Self.distinct + "（编号甲乙\(k * 7919)丙丁）"
            index.add(id: id, orderID: UUID(), category: "供暖", text: text)
        }
        var generator = SeededGenerator(seed: 7)
        for k in stride(from: ids.count - 1, to: 0, by: -1) { ids.swapAt(k, generator.below(k + 1)) }
        let removed = Set(ids.prefix(250))
        for id in removed { #expect(index.remove(id: id)) }
        #expect(index.count == 150)
        let remaining = Set(index.query(Self.reply, limit: 1_000, minimumSimilarity: 0.99).map(\.id))
        #expect(remaining == shared.subtracting(removed))
        for id in ids.dropFirst(250) { #expect(index.remove(id: id)) }
        #expect(index.count == 0)
        #expect(index.query(Self.reply).isEmpty)
        index.add(orderID: UUID(), category: "供暖", text: Self.reply)
        #expect(index.query(Self.refilled).count == 1)
    }

    @Test func aBulkLoadAnswersLikeOneByOneInserts() throws {
        let one = SimilarityIndex(), bulk = SimilarityIndex()
        var replies: [IndexedReply] = []
        for k in 0..<300 {
            let text = k.isMultiple(of: 3) ? Self.reply + "第\(k % 7)批。" : "第\(k)号：" + Self.distinct + "编号甲\(k)乙"
            let reply = IndexedReply(id: UUID(), orderID: UUID(), category: "c\(k % 4)",
                                     signature: try #require(one.signature(for: text)))
            one.add(id: reply.id, orderID: reply.orderID, category: reply.category, signature: reply.signature)
            replies.append(reply)
        }
        // The same id twice: the later one wins, as with one-by-one inserts.
        var again = replies[0]
        again.signature = try #require(one.signature(for: Self.distinct))
        one.add(id: again.id, orderID: again.orderID, category: again.category, signature: again.signature)
        bulk.add(contentsOf: replies + [again])
        #expect(bulk.count == one.count)
        for query in [Self.reply, Self.refilled, Self.distinct] {
            #expect(bulk.query(query, limit: 400) == one.query(query, limit: 400))
        }
    }

    @Test func signaturesAreStableAcrossProcessesAndReleases() {
        // Stored signatures must keep matching: the hash functions come from a fixed seed, never `hashValue`.
        let a = SimilarityIndex().signature(for: "经现场核实，该楼3单元供暖管道阀门老化导致循环不畅，室温实测14.5度。")
        let b = SimilarityIndex().signature(for: "经现场核实，该楼3单元供暖管道阀门老化导致循环不畅，室温实测14.5度。")
        #expect(a == b)
        #expect(a?.values.count == 128)
        #expect(a.map { Array($0.values.prefix(8)) } == Self.knownPrefix)
    }

    static let knownPrefix: [UInt8] = [216, 255, 128, 186, 236, 65, 191, 218]

    @Test func theEstimateIsCloseToTheExactJaccard() throws {
        let shingler = Shingler()
        let normalizer = ReplyNormalizer()
        let a = shingler.shingles(normalizer.normalizedScalars(Self.reply))
        let b = shingler.shingles(normalizer.normalizedScalars(Self.distinct + Self.reply.prefix(40)))
        let exact = Shingler.jaccard(a, b)
        let hasher = MinHasher()
        let estimate = try #require(hasher.signature(a)).similarity(to: try #require(hasher.signature(b)))
        #expect(abs(estimate - exact) < 0.15)
        #expect(exact > 0.05 && exact < 0.9)
    }

    @Test func theStandardLayoutCatchesPairsAboveTheThreshold() {
        let parameters = LSHParameters.standard
        #expect(parameters.candidateProbability(0.7) > 0.999)
        #expect(parameters.candidateProbability(0.55) > 0.95)
        #expect(parameters.candidateProbability(0.1) < 0.005)
    }

    @Test func aMillionRepliesFitInUnderAGigabyte() {
        let index = SimilarityIndex(expectedCount: 5_000)
        for k in 0..<5_000 {
            index.add(orderID: UUID(), category: "供暖", text: "第\(k)件：" + Self.distinct + String(k, radix: 7))
        }
        let perReply = index.approximateMemoryBytes / 5_000
        #expect(perReply < 1_000)
    }

    @Test func concurrentAddsAndQueriesAreSafe() async {
        let index = SimilarityIndex()
        await withTaskGroup(of: Void.self) { group in
            for k in 0..<8 {
                group.addTask {
                    for j in 0..<50 {
                        index.add(orderID: UUID(), category: "供暖", text: "\(k)-\(j) " + SimilarityIndexTests.reply)
                        _ = index.query(SimilarityIndexTests.refilled, limit: 3)
                    }
                }
            }
        }
        #expect(index.count == 400)
        #expect(index.query(Self.refilled, limit: 500, minimumSimilarity: 0.5).count == 400)
    }
}
