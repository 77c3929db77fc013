import Foundation
import HotlineCore

/// Realistic new orders the fake city dispatches to Dalad Banner: its towns and streets, everyday 诉求 of the
/// banner's categories, plausible names and mobile numbers, numbers like `DLT202612060427`.
enum FakeCityFeed {
    struct Topic {
        let category: String
        let type: RequestType
        let title: String
        let content: String
    }

    static let places: [String] = [
        "西园街道金鹏社区锦绣小区5号楼2单元", "西园街道文苑社区文苑小区12号楼", "西园街道迎宾社区迎宾路38号",
        "平原街道华泰小区3号楼1单元", "工业街道铁西小区8号楼", "锡尼街道达拉特路与平原路交汇处",
        "新民街道新民小区东门", "杭锦街道杭锦淖尔小区11号楼", "树林召镇林原村二社", "白泥井镇白泥井村一社",
        "王爱召镇榆林子村三社", "昭君镇昭君村五社", "恩格贝镇恩格贝村", "吉格斯太镇吉格斯太村四社",
        "中和西镇中和西村", "展旦召苏木展旦召嘎查",
    ]

    static let topics: [Topic] = [
        Topic(category: "供暖", type: .complaint, title: "室内温度不达标",
              content: "来电人反映家中暖气不热，室温只有十四五度，家里有老人和小孩，已向物业反映多次未解决，希望供热公司尽快上门检查管道。"),
        Topic(category: "供水/停水", type: .help, title: "小区突然停水",
              content: "来电人反映小区从今天早上起停水，没有提前通知，何时恢复供水无人答复，居民生活受影响，希望尽快恢复供水并说明原因。"),
        Topic(category: "物业服务", type: .complaint, title: "楼道垃圾长期无人清理",
              content: "来电人反映所住单元楼道内堆放杂物和垃圾一周多无人清理，有异味，物业收了物业费却不打扫，希望督促物业履行职责。"),
        Topic(category: "道路与路灯", type: .help, title: "路灯不亮",
              content: "来电人反映该路段有五六盏路灯连续多晚不亮，晚上行人和车辆通行不便，存在安全隐患，希望尽快维修。"),
        Topic(category: "环境卫生", type: .complaint, title: "垃圾箱满溢未及时清运",
              content: "来电人反映路边垃圾箱已满溢两天，垃圾散落在地，招来苍蝇，希望环卫部门及时清运并增加清运次数。"),
        Topic(category: "劳动保障", type: .help, title: "务工工资被拖欠",
              content: "来电人反映在某工地务工三个月，包工头拖欠工资一万二千元至今未付，多次讨要无果，希望有关部门帮助追讨。"),
        Topic(category: "噪音扰民", type: .complaint, title: "夜间施工噪音扰民",
              content: "来电人反映附近工地晚上十点后仍在施工，机器声音很大，影响居民休息，希望有关部门依法查处。"),
        Topic(category: "市场监管", type: .report, title: "超市销售过期食品",
              content: "来电人反映在附近超市购买的牛奶已过保质期，与店家协商退换未果，希望市场监管部门调查处理。"),
        Topic(category: "教育", type: .consult, title: "咨询小学入学政策",
              content: "来电人咨询孩子今年秋季上小学，户籍不在本地但在本地购房居住，需要准备哪些材料，到哪里报名。"),
        Topic(category: "医疗卫生", type: .complaint, title: "医院挂号排队时间过长",
              content: "来电人反映到旗医院看病挂号排队一个多小时，自助机经常故障，希望医院增加窗口并维护自助设备。"),
        Topic(category: "农牧业", type: .help, title: "农田灌溉渠道堵塞",
              content: "来电人反映村里灌溉渠道被泥沙堵塞，眼看浇地时节到了，水放不下来，希望镇里组织清淤。"),
        Topic(category: "公交出行", type: .suggestion, title: "建议增加公交班次",
              content: "来电人建议早晚高峰增加公交车班次，目前等车经常超过半小时，上班上学不方便。"),
    ]

    static let surnames = Array("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林郝白乔")
    static let givenNames = ["建华", "秀英", "桂兰", "志强", "海燕", "小军", "丽娜", "宝音", "乌云", "其木格", "俊峰", "晓梅"]

    static func messageID() -> String { "city-" + UUID().uuidString.lowercased() }

    /// `DLT` + the date in Beijing time + four digits.
    static func orderNumber(at now: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let d = calendar.dateComponents([.year, .month, .day], from: now)
        return String(format: "DLT%04d%02d%02d%04d", d.year ?? 2026, d.month ?? 1, d.day ?? 1, Int.random(in: 0...9999))
    }

    static func order(number: String, at now: Date) -> CityOrder {
        let topic = topics.randomElement()!
        let place = places.randomElement()!
        let name = String(surnames.randomElement()!) + givenNames.randomElement()!
        let phone = ["13", "15", "18", "17"].randomElement()! + String(format: "%09d", Int.random(in: 0...999_999_999))
        let urgency: Urgency = Int.random(in: 0..<10) == 0 ? .urgent : .normal
        return CityOrder(number: number, receivedAt: now.addingTimeInterval(-Double(Int.random(in: 60...1800))),
                         requesterName: name, requesterPhone: phone, requestType: topic.type, category: topic.category,
                         title: topic.title, content: place + "：" + topic.content, address: "达拉特旗" + place,
                         urgency: urgency, specialLine: Int.random(in: 0..<15) == 0 ? .mayor : .none, channel: .phone)
    }
}
