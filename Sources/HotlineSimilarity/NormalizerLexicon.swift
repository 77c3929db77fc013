import Foundation

/// A set of Basic Multilingual Plane scalars as a bitmap: membership is one bit test, where a `Set` would hash.
/// Scalars above U+FFFF are never members (the lists here hold none).
struct ScalarSet: Sendable {
    private var bits = [UInt64](repeating: 0, count: 1024)

    init<S: Sequence>(_ scalars: S) where S.Element == Unicode.Scalar {
        for scalar in scalars where scalar.value < 0x10000 {
            bits[Int(scalar.value >> 6)] |= 1 << UInt64(scalar.value & 63)
        }
    }

    @inline(__always)
    func contains(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x10000 && bits[Int(scalar.value >> 6)] & (1 << UInt64(scalar.value & 63)) != 0
    }
}

/// Words looked up at one position of a scalar array, indexed by first (or last) scalar, with a bitmap in front
/// so that the usual case (no word starts here) costs one bit test.
struct WordList: Sendable {
    private var byFirst: [Unicode.Scalar: [[Unicode.Scalar]]] = [:]
    private var byLast: [Unicode.Scalar: [[Unicode.Scalar]]] = [:]
    private let firsts: ScalarSet
    private let lasts: ScalarSet

    init(_ words: [String]) {
        let lists = words.map { Array($0.unicodeScalars) }.filter { !$0.isEmpty }
        for scalars in lists {
            byFirst[scalars[0], default: []].append(scalars)
            byLast[scalars[scalars.count - 1], default: []].append(scalars)
        }
        for key in byFirst.keys { byFirst[key]!.sort { $0.count > $1.count } }
        for key in byLast.keys { byLast[key]!.sort { $0.count > $1.count } }
        firsts = ScalarSet(lists.map { $0[0] })
        lasts = ScalarSet(lists.map { $0[$0.count - 1] })
    }

    /// Length of the longest word starting at `index`, if any.
    func match(_ s: [Unicode.Scalar], at index: Int) -> Int? {
        guard index < s.count, firsts.contains(s[index]), let candidates = byFirst[s[index]] else { return nil }
        for word in candidates where index + word.count <= s.count {
            if s[index..<index + word.count].elementsEqual(word) { return word.count }
        }
        return nil
    }

    /// Length of the longest word ending just before `end`, if any.
    func matchEnding(_ s: [Unicode.Scalar], before end: Int) -> Int? {
        guard end > 0, lasts.contains(s[end - 1]), let candidates = byLast[s[end - 1]] else { return nil }
        for word in candidates where word.count <= end {
            if s[end - word.count..<end].elementsEqual(word) { return word.count }
        }
        return nil
    }
}

/// The normaliser's vocabulary: pragmatic lists for Dalad Banner's replies, not a linguistic model.
enum NormalizerLexicon {
    static func set(_ text: String) -> ScalarSet { ScalarSet(text.unicodeScalars) }

    /// Common single-character surnames, including those frequent in Ordos (包, 乌, 巴 begin many Mongolian names).
    static let surnames = set(
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭"
            + "陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛"
            + "邢安齐乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕季裴霍涂成苗谷盛曲翁冉骆蓝游辛"
            + "靳管柴蒙鲍华祁蒲房滕屈饶牟艾尤穆卓古吉缪简车项连麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬边卞姬仇"
            + "栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩佘池麻苑迟乌奇巴")

    /// Surnames that are rarely anything else; used where context is weak (after a cue word, before a title
    /// that is also a role). "马上", "向诉求人", "于当天", "高温" keep 马, 向, 于 and 高 out.
    static let plainSurnames = set(
        "王李张刘陈杨黄赵吴周徐孙朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪"
            + "范廖贾夏韦傅邹孟熊秦邱尹薛闫阎段雷侯史陶黎贺顾毛郝龚邵钱严覃戴莫孔汤樊葛邢乔伍庞颜倪聂岳翟殷詹耿焦俞柳祝"
            + "武包巴乌")

    static let compoundSurnames = WordList(["欧阳", "司马", "诸葛", "上官", "东方", "慕容", "令狐", "呼延", "尉迟", "宇文"])

    /// Courtesy titles: anything short before them is a name, even one without a known surname (斯琴女士).
    static let courtesyTitles = WordList([
        "先生", "女士", "同志", "师傅", "大爷", "大妈", "大娘", "阿姨", "奶奶", "爷爷", "大姐", "大哥", "小姐",
    ])

    /// Role titles: a name only with a surname in front (王书记), since "社区书记" is not a person's name.
    static let roleTitles = WordList([
        "书记", "主任", "经理", "站长", "所长", "队长", "局长", "科长", "镇长", "村长", "组长", "社长", "部长", "会计",
        "医生", "律师", "警官", "老师", "老板", "班长",
    ])

    /// Words after which a surname starts a name: roles, contact verbs and list connectives.
    static let nameCues = WordList([
        "联系人", "来电人", "诉求人", "反映人", "投诉人", "举报人", "当事人", "申请人", "工作人员", "网格员", "信息员",
        "调解员", "协管员", "管理员", "安全员", "巡查员", "监察员", "执法员", "收费员", "维修工", "维修员", "电工", "水暖工",
        "负责人", "经理", "书记", "主任", "站长", "所长", "队长", "局长", "科长", "镇长", "村长", "组长", "社长", "干部",
        "民警", "辅警", "队员", "同事", "会同", "联系", "致电", "告知", "安排", "委派", "指派", "带领", "陪同", "协同",
        "回访", "约见", "走访", "询问", "业主", "住户", "居民", "村民", "牧民", "房东", "租户", "店主", "承包人",
        "包工头", "专员", "技术员", "驾驶员", "由", "和", "与", "及", "同", "经", "向", "给", "为", "支付", "告诉",
        "答复", "回复", "通知", "提醒", "帮助", "协助", "督促", "核实", "调查",
        // A unit before a person: 供暖办王伟, 住建局李强, 路灯所赵军, 热力公司刘波.
        "办", "局", "所", "站", "队", "中心", "公司", "科", "班", "院", "委",
    ])

    /// Verbs that follow a requester's name at the start of a sentence ("王建国表示满意").
    static let speechVerbs = WordList([
        "表示", "称", "反映", "认为", "希望", "同意", "对处理", "对答复", "对调解", "对结果", "对此", "要求", "已于",
        "与", "家", "等", "所在", "楼上",
    ])

    /// Characters that end a name: a name is rarely followed by one of these inside itself.
    static let nameStops = set(
        "会于在到对等带一前上下联电现已将为向表称和与及同的了是先女入进即负协再又也均都共去来赶核查检维更处办介解说告"
            + "答回致主积随把给领按并就仍还当所经从自反投诉讲看走赴拨打第陪督送师老某组约通开作")

    /// Characters that end a place name read backwards from its suffix ("前往|金鹏|社区").
    static let placeStops = set("在于到至往赴住居的了与及对该本映看查实现临近旁侧我其各全此位向从由是为经过进入前等同或个属辖内外处将")

    /// Place suffixes; two-character ones need one name character before them, single ones two.
    static let placeSuffixes = WordList([
        "村委会", "居委会", "小区", "社区", "嘎查", "街道", "苏木", "花园", "家园", "新村", "新城", "公寓", "大厦", "广场",
        "大街", "大道", "市场", "工业园", "园区", "村", "镇", "路", "街", "巷",
    ])

    /// A single-character suffix with one of these just before it is a word, not a place (农村, 道路, 乡镇).
    static let notPlaceBefore = set("农乡城道马线公铁电管水思出进沿上临过走网带领问迷老本该全各我邻外一短断回让修筑退销套弯山土小")
    /// … or with one of these just after it (路灯, 村民, 镇长).
    static let notPlaceAfter = set("灯面段口边况基网线旁牌沿道径费民干两集里内落子庄务长级上")

    /// Units after a number that make it part of an address (3号楼, 2单元, 501室, 三社).
    static let addressUnits = WordList([
        "号楼", "号院", "号门", "单元", "栋", "幢", "层", "楼", "室", "号", "组", "社", "排",
    ])

    /// Counting words after a Chinese numeral: only then is 三, 两 or 十 a number (三名, 两次) and not a word (三上门).
    static let countUnits = WordList([
        "个", "名", "次", "人", "天", "日", "月", "年", "度", "户", "处", "台", "盏", "辆", "米", "元", "吨", "小时",
        "分钟", "周", "家", "位", "间", "根", "条", "块", "趟", "批", "项", "件", "遍", "支", "车", "立方", "平方", "万",
        "千", "百", "期", "季", "倍", "分贝", "公里", "斤", "袋", "桶",
    ])

    static let chineseDigits = set("零〇一二三四五六七八九十两")

    /// Times of day and relative days: as much a filled-in blank as "3月3日".
    /// Marks of the formulas that open and close a reply (greeting, "现答复如下", thanks, "如有疑问请拨打…"): a
    /// sentence holding one is frame, not substance, and is left out of similarity.
    static let formulaMarkers = WordList([
        "答复如下", "回复如下", "现答复", "现回复", "已收悉", "已收到您", "感谢您", "再次感谢", "谢谢您", "如有其他问题",
        "如有疑问", "如有问题", "如有异议", "请拨打", "与我们联系", "特此回复", "特此答复", "支持与监督", "理解与支持",
    ])

    static let timeWords = WordList([
        "上午", "下午", "中午", "晚上", "早上", "早晨", "凌晨", "傍晚", "夜间", "晚间", "当晚", "当天", "当日", "次日",
        "今天", "昨天", "今日", "昨日", "翌日", "同日", "前天", "近日",
    ])
}
