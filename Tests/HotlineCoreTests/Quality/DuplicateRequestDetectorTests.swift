import Foundation
import Testing
@testable import HotlineCore
import HotlineEngines

@Suite("重复诉求 (DOMAIN §3: 并单)")
struct DuplicateRequestDetectorTests {
    let detector = DuplicateRequestDetector()
    let t0 = QualitySamples.t0
    let day: TimeInterval = 86_400

    func request(_ phone: String, _ address: String, _ category: String, _ content: String,
                 daysAgo: Double = 0) -> IntakeRequest {
        IntakeRequest(orderID: UUID(), phone: phone, address: address, category: category, content: content,
                      receivedAt: t0 - daysAgo * day)
    }

    /// A fresh order each time it is read.
    var new: IntakeRequest {
        request("13847712345", "达拉特旗树林召镇西园街道金鹏小区3号楼2单元", "供暖", "家里暖气不热，室温只有14度，已经一周了，请尽快处理。")
    }

    @Test func theSamePhoneAboutTheSameMatterWithinAWeekIsSuggested() throws {
        let earlier = request("138-4771-2345", "金鹏小区", "供暖", "暖气温度低", daysAgo: 3)
        let suggestion = try #require(detector.duplicates(of: new, among: [earlier]).first)
        #expect(suggestion.orderID == earlier.orderID)
        #expect(suggestion.reasons.contains(.samePhone(sameCategory: true)))
        #expect(suggestion.score >= 0.7)
        #expect(suggestion.message.contains("同一来电号码"))
        #expect(detector.duplicates(of: new, among: [request("13847712345", "金鹏小区", "供暖", "暖气温度低", daysAgo: 8)]).isEmpty)
    }

    @Test func theSamePhoneAboutAnotherMatterIsNotEnough() {
        let streetLight = request("13847712345", "滨河路", "路灯", "滨河路路灯不亮", daysAgo: 1)
        #expect(detector.duplicates(of: new, among: [streetLight]).isEmpty)
    }

    @Test func landlinesMatchWithAndWithoutAreaCodeAndCountryCode() {
        #expect(DuplicateRequestDetector.samePhone("04775296118", "5296118"))
        #expect(DuplicateRequestDetector.phoneDigits("+86 138 4771 2345") == "13847712345")
        #expect(!DuplicateRequestDetector.samePhone("5296118", "5296119"))
        #expect(!DuplicateRequestDetector.samePhone("", ""))
    }

    @Test func theSameAddressAndCategoryWithinTheWindowIsSuggested() throws {
        let neighbour = request("15904770000", "树林召镇西园街道金鹏小区3号楼2单元", "供暖", "单元里好几户都不热", daysAgo: 2)
        let suggestion = try #require(detector.duplicates(of: new, among: [neighbour]).first)
        #expect(suggestion.reasons == [.sameAddressAndCategory(exact: true)])
        let otherCategory = request("15904770000", "树林召镇西园街道金鹏小区3号楼2单元", "物业", "电梯坏了", daysAgo: 2)
        #expect(detector.duplicates(of: new, among: [otherCategory]).isEmpty)
        let tooOld = request("15904770000", "树林召镇西园街道金鹏小区3号楼2单元", "供暖", "单元里好几户都不热", daysAgo: 9)
        #expect(detector.duplicates(of: new, among: [tooOld]).isEmpty)
    }

    @Test func similarContentFromAnotherCallerIsSuggested() throws {
        let other = request("15904771111", "金鹏小区", "供暖", "家里暖气不热，室温只有15度，已经5天了，请尽快处理。", daysAgo: 10)
        let suggestion = try #require(detector.duplicates(of: new, among: [other]).first)
        guard case .similarContent(let similarity) = suggestion.reasons.first else {
            Issue.record("expected similar content, got \(suggestion.reasons)"); return
        }
        #expect(similarity >= 0.5)
        let unrelated = request("15904771111", "滨河路", "路灯", "滨河路三盏路灯晚上不亮，行人走路不安全。", daysAgo: 1)
        #expect(detector.duplicates(of: new, among: [unrelated]).isEmpty)
    }

    @Test func suggestionsComeBestFirstAndNeverTheOrderItself() {
        let strong = request("13847712345", "树林召镇西园街道金鹏小区3号楼2单元", "供暖", "暖气不热", daysAgo: 1)
        let weaker = request("15904770000", "树林召镇西园街道金鹏小区3号楼2单元", "供暖", "楼里冷", daysAgo: 1)
        let request = new
        let suggestions = detector.duplicates(of: request, among: [weaker, request, strong])
        #expect(suggestions.map(\.orderID) == [strong.orderID, weaker.orderID])
        #expect(suggestions[0].score > suggestions[1].score)
    }
}
