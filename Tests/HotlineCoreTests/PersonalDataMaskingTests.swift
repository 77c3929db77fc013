import Foundation
import Testing
@testable import HotlineCore

/// DOMAIN §10 inside free text (issue 12, item 8): every way people write a phone number or the requester's name
/// is masked; dates, amounts and order numbers are not.
@Suite("个人信息：正文中的电话与姓名按模式遮蔽 (DOMAIN §10)")
struct PersonalDataMaskingTests {
    static let name = "张建国"

    static func mask(_ text: String, name: String = name) -> String { Masking.text(text, requesterName: name) }

    /// Each phone written as people write it, and the digits that must not survive.
    static let phones: [(text: String, secret: String)] = [
        ("联系电话13847712345", "47712345"),
        ("电话：138 4771 2345。", "4771 2345"),
        ("电话138-4771-2345", "4771-2345"),
        ("电话138.4771.2345", "4771.2345"),
        ("手机１３８４７７１２３４５", "４７７１２３４５"),
        ("手机１３８－４７７１－２３４５", "４７７１－２３４５"),
        ("+86 138 4771 2345", "4771 2345"),
        ("+8613847712345", "47712345"),
        ("＋８６１３８４７７１２３４５", "４７７１２３４５"),
        ("008613847712345", "47712345"),
        ("(+86)13847712345", "47712345"),
        ("座机0477-5296118", "5296118"),
        ("座机04775296118", "5296118"),
        ("座机0477 529 6118", "529 6118"),
        ("座机（0477）5296118", "5296118"),
        ("座机0477—5296118", "5296118"),
        ("座机０４７７－５２９６１１８", "５２９６１１８"),
        ("拨打5296118反映", "5296118"),
        ("拨打529-6118反映", "529-6118"),
        ("北京010-62345678", "62345678"),
        ("两个号码13847712345、13998765432", "98765432"),
        ("两个号码13847712345 13998765432", "47712345"),
        ("Tel:13847712345", "47712345"),
        ("诉求人电话是13847712345，住址5单元", "47712345"),
    ]

    @Test(arguments: 0..<phones.count)
    func aPhoneNumberInAnyFormIsMasked(which: Int) {
        let (text, secret) = Self.phones[which]
        let masked = Self.mask(text)
        #expect(!masked.contains(secret), "\(text) → \(masked)")
        #expect(masked.contains("*"), "\(text) → \(masked)")
    }

    @Test func bothNumbersInOneRunAreMasked() {
        let masked = Self.mask("两个号码13847712345 13998765432")
        #expect(!masked.contains("47712345") && !masked.contains("98765432"), "\(masked)")
        #expect(masked == "两个号码138****2345 139****5432")
    }

    @Test func aMobileKeepsItsFirstThreeAndLastFourDigitsAsListsShowIt() {
        #expect(Self.mask("电话13847712345") == "电话138****2345")
        #expect(Self.mask("+86 138 4771 2345") == "+86 138****2345")
        #expect(Self.mask("座机0477-5296118") == "座机0477-*****18")
    }

    /// The requester's name in the forms people write it.
    static let names: [(text: String, secret: String)] = [
        ("张建国反映小区停暖", "张建国"),
        ("诉求人张 建 国来电", "建 国"),
        ("已电话联系张先生", "张先生"),
        ("张女士表示满意", "张女士"),
        ("回访张 先生", "张 先生"),
        ("张师傅家暖气不热", "张师傅"),
    ]

    @Test(arguments: 0..<names.count)
    func theRequestersNameIsMaskedInItsUsualForms(which: Int) {
        let (text, secret) = Self.names[which]
        let masked = Self.mask(text)
        #expect(!masked.contains(secret), "\(text) → \(masked)")
    }

    @Test func aCompoundSurnameIsMaskedWhole() {
        #expect(Self.mask("欧阳女士来电，欧阳明华反映", name: "欧阳明华") == "**女士来电，欧***反映")
    }

    @Test func theFullNameKeepsTheSurnameAsListsShowIt() {
        #expect(Self.mask("张建国反映") == "张**反映")
        #expect(Self.mask("已联系张先生") == "已联系*先生")
    }

    /// Text that looks like digits but is no phone number stays as written.
    static let untouched = [
        "工单DLT2026030200001已派单",
        "工单编号 DLT2026030200001",
        "2026-03-02 10:00受理",
        "2026年3月2日上午",
        "2026.03.02复测",
        "20260302复测",
        "补偿3500000元",
        "工程款1,234,567.89元",
        "金额1200.50",
        "室温实测13.5度",
        "供暖面积12000平方米",
        "涉及5单元302户",
        "邮编014300",
        "共计45户138人",
        "李明反映",  // another person's name
        "王先生表示满意",  // another surname
    ]

    @Test(arguments: untouched)
    func textThatIsNoPhoneNorTheRequesterStaysAsWritten(text: String) {
        #expect(Self.mask(text) == text)
    }

    @Test func anEmptyOrForeignNameMasksNothingButPhones() {
        #expect(Masking.text("联系李明13847712345", requesterName: "") == "联系李明138****2345")
        #expect(Masking.text("Li said", requesterName: "Li") == "Li said")
    }

    @Test func aLocalNumberFieldNoLongerShowsAllItsDigits() {
        #expect(PhoneNumber.masked("5296118") == "*****18")
        #expect(PhoneNumber.masked("13847712345") == "138****2345")
    }
}
