import Foundation
import Testing
import HotlineCore

@Suite("免打扰时段与短信字数 (issue 14)")
struct QuietHoursTests {
    /// A moment in Beijing time on 2026-03-02.
    func beijing(_ hour: Int, _ minute: Int = 0, day: Int = 2) -> Date {
        var c = DateComponents(year: 2026, month: 3, day: day, hour: hour, minute: minute)
        c.timeZone = TimeZone(identifier: "Asia/Shanghai")
        return Calendar(identifier: .gregorian).date(from: c)!
    }

    @Test func aNormalMessageAt23IsPostponedTo07NextMorningNeverDropped() {
        let quiet = QuietHours()
        #expect(quiet.release(beijing(23), urgent: false) == beijing(7, day: 3))
        #expect(quiet.release(beijing(22), urgent: false) == beijing(7, day: 3))
        #expect(quiet.release(beijing(3, 30), urgent: false) == beijing(7))
    }

    @Test func outsideQuietHoursAMessageGoesAtOnce() {
        let quiet = QuietHours()
        #expect(quiet.release(beijing(7), urgent: false) == beijing(7))
        #expect(quiet.release(beijing(21, 59), urgent: false) == beijing(21, 59))
        #expect(quiet.release(beijing(12), urgent: false) == beijing(12))
    }

    @Test func criticalOrdersAndTheMayorsLineIgnoreQuietHours() {
        let quiet = QuietHours()
        #expect(QuietHours.isUrgent(urgency: .critical, line: SpecialLine.none))
        #expect(QuietHours.isUrgent(urgency: .normal, line: .mayor))
        #expect(!QuietHours.isUrgent(urgency: .urgent, line: SpecialLine.none))
        #expect(!QuietHours.isUrgent(urgency: .normal, line: .bureauChief))
        #expect(!QuietHours.isUrgent(urgency: nil, line: nil))
        #expect(quiet.release(beijing(23), urgent: true) == beijing(23))
    }

    @Test func quietHoursAreConfigurable() throws {
        let q = try #require(QuietHours.parse("21:30-06:30"))
        #expect(q.isQuiet(beijing(21, 30)))
        #expect(!q.isQuiet(beijing(21, 29)))
        #expect(q.release(beijing(5), urgent: false) == beijing(6, 30))
        let day = try #require(QuietHours.parse("12:00-14:00"))
        #expect(day.release(beijing(13), urgent: false) == beijing(14))
        #expect(!day.isQuiet(beijing(23)))
        let off = try #require(QuietHours.parse("off"))
        #expect(off.release(beijing(23), urgent: false) == beijing(23))
        for bad in ["", "22-07", "25:00-07:00", "22:00-07:60", "22:00", "22:0-07:00", "abc"] {
            #expect(QuietHours.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func anSMSOf70CharactersIsOnePartAndLongerOnesGoIn67s() {
        #expect(SMSText.parts(String(repeating: "字", count: 70), signName: "") == 1)
        #expect(SMSText.parts(String(repeating: "字", count: 71), signName: "") == 2)
        #expect(SMSText.parts(String(repeating: "字", count: 134), signName: "") == 2)
        #expect(SMSText.parts(String(repeating: "字", count: 135), signName: "") == 3)
        // The sign name counts with its brackets: 【达拉特旗12345】 is 11 characters.
        #expect(SMSText.parts(String(repeating: "字", count: 59), signName: "达拉特旗12345") == 1)
        #expect(SMSText.parts(String(repeating: "字", count: 60), signName: "达拉特旗12345") == 2)
    }

    @Test func templateParametersAreShortenedToFitButTheLinkIsNeverCut() {
        let template = SMSTemplate(id: "SMS_1", text: "${message}${link}")
        #expect(template.parameterNames == ["message", "link"])
        let link = " https://12345.dlt.gov.cn/t/AbCdEfGhIjKlMnOp"
        let message = String(repeating: "请尽快签收", count: 30)
        let one = SMSText.fit(template, params: ["message": message, "link": link], signName: "达拉特旗12345",
                              shrinkable: "message", maxParts: 1)
        #expect(one["link"] == link)
        #expect(one["message"]!.hasSuffix("…"))
        #expect(SMSText.length(template.render(one), signName: "达拉特旗12345") == 70)
        let two = SMSText.fit(template, params: ["message": message, "link": link], signName: "达拉特旗12345",
                              shrinkable: "message", maxParts: 2)
        #expect(SMSText.parts(template.render(two), signName: "达拉特旗12345") == 2)
        let short = SMSText.fit(template, params: ["message": "工单已超时", "link": link], signName: "达拉特旗12345",
                                shrinkable: "message")
        #expect(short["message"] == "工单已超时")
    }

    @Test func channelChoicesFallBackFromPersonToUnitToDefaultAndNeedAnAddress() {
        let all: Set<NotifyChannelKind> = [.inApp, .sms, .wecom, .wecomRobot]
        #expect(NotifyRouting.channels(userChoice: nil, unitChoice: nil, defaults: [.sms, .wecom], configured: all,
                                       hasPhone: true, hasWeComID: true) == [.sms, .wecom])
        #expect(NotifyRouting.channels(userChoice: [.wecom], unitChoice: [.sms], defaults: [.sms, .wecom], configured: all,
                                       hasPhone: true, hasWeComID: true) == [.wecom])
        #expect(NotifyRouting.channels(userChoice: nil, unitChoice: [.sms], defaults: [.sms, .wecom], configured: all,
                                       hasPhone: true, hasWeComID: true) == [.sms])
        #expect(NotifyRouting.channels(userChoice: nil, unitChoice: nil, defaults: [.sms, .wecom], configured: all,
                                       hasPhone: true, hasWeComID: false) == [.sms])
        #expect(NotifyRouting.channels(userChoice: nil, unitChoice: nil, defaults: [.sms, .wecom], configured: [.inApp, .wecom],
                                       hasPhone: true, hasWeComID: true) == [.wecom])
        #expect(NotifyChannelKind.parseList("sms, wecom") == [.sms, .wecom])
        #expect(NotifyChannelKind.parseList("sms,fax") == nil)
        #expect(NotifyRouting.backoff(afterAttempts: 1, first: 30, cap: 900) == 30)
        #expect(NotifyRouting.backoff(afterAttempts: 3, first: 30, cap: 900) == 120)
        #expect(NotifyRouting.backoff(afterAttempts: 20, first: 30, cap: 900) == 900)
    }
}
