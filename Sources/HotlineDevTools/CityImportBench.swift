import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Vapor
import HotlineCore
import HotlineStore
import HotlineReports
import HotlineServer

/// `hotline-dev bench-city-import [--rows N]`: writes a realistic export of N orders (default 10,000) as the city's
/// xlsx, imports it into a fresh SQLite file (in the temporary folder, deleted afterwards) through the same path as
/// `hotline city-import`, then imports it again (every row unchanged). Prints rows/s and the process's peak memory
/// (getrusage ru_maxrss) after each.
struct CityImportBenchCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "rows", help: "Rows in the generated export (default 10000)")
        var rows: Int?
    }

    var help: String { "Benchmark the city export import: N-row xlsx into a fresh SQLite file, then a re-import" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let rows = max(1, signature.rows ?? 10_000)
        let clock = ContinuousClock()
        let now = Date()
        var started = clock.now
        let file = CityExportSample.workbook(rows: rows, now: now).xlsxData()
        context.console.print("generated \(rows) rows as xlsx: \(file.count / 1024) KB in \(Self.seconds(clock.now - started)) s; peak \(Self.peakMB()) MB")

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("city-import-bench-\(UUID().uuidString).sqlite").path
        let store = try StandaloneDatabase(.sqlite(path: path))
        do {
            try await store.migrate()
            for (i, name) in CityExportSample.categories.enumerated() {
                try await CategoryModel(name: name, sortOrder: i).create(on: store.database)
            }
            let service = OrderService(database: store.database, lifecycle: Lifecycle())
            for pass in ["import", "re-import"] {
                started = clock.now
                let cpuBefore = Self.cpuSeconds()
                let parsed = try CityExportReader.parse(file, mapping: .standard)
                let parsing = clock.now - started
                let report = try await CityImportRunner.run(parsed, dryRun: false, service: service, at: now)
                let elapsed = clock.now - started
                let cpu = Self.cpuSeconds() - cpuBefore
                let seconds = max(Self.seconds(elapsed), 0.000_001)
                context.console.print("\(pass): \(report.rows) rows in \(String(format: "%.2f", seconds)) s = \(Int(Double(report.rows) / seconds)) rows/s; "
                    + "created \(report.created), amended \(report.amended), unchanged \(report.unchanged), rejected \(report.rejectedCount), "
                    + "warnings \(report.warnings.count); reading the file \(String(format: "%.2f", Self.seconds(parsing))) s; CPU \(String(format: "%.2f", cpu)) s (\(Int(Double(report.rows) / max(cpu, 0.000_001))) rows per CPU second); peak memory (ru_maxrss) \(Self.peakMB()) MB")
            }
            let orders = try await OrderRepository(database: store.database, rules: TimeRules()).count()
            context.console.print("orders stored: \(orders)")
        } catch {
            await store.shutdown()
            Self.remove(path)
            throw error
        }
        await store.shutdown()
        Self.remove(path)
    }

    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// User and system CPU time of the process so far: wall time on a shared machine says little on its own.
    static func cpuSeconds() -> Double {
        #if canImport(Glibc)
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        #else
        return 0
        #endif
    }

    /// The process's peak resident size in MB (Linux reports ru_maxrss in kilobytes).
    static func peakMB() -> Int {
        #if canImport(Glibc)
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss / 1024
        #else
        return 0
        #endif
    }
}

/// A realistic export of the city platform: the GB/T 33358 columns, dates as Excel dates, a mix of types,
/// urgencies, special lines and channels, Chinese addresses and contents of everyday length.
enum CityExportSample {
    static let categories = ["供暖", "供水", "道路交通", "市容环境", "物业管理", "劳动保障", "噪音扰民", "燃气"]
    static let towns = ["树林召镇", "王爱召镇", "白泥井镇", "吉格斯太镇", "昭君镇", "恩格贝镇", "中和西镇", "风水梁镇"]
    static let surnames = Array("王李张刘陈杨赵黄周吴徐孙马胡朱郭何罗高林")
    static let problems = [
        "家中暖气不热，室温只有十二度左右，老人孩子受不了，已经反映多次，请尽快协调供热公司上门检修。",
        "小区从昨天晚上开始停水，没有任何通知，居民生活受到很大影响，请相关部门尽快恢复供水并说明原因。",
        "路口红绿灯损坏三天了一直没人修，早晚高峰车辆拥堵严重，存在安全隐患，希望尽快维修。",
        "楼下烧烤摊每天营业到凌晨两点，油烟和噪音严重影响休息，请城管部门依法处理。",
        "单位拖欠工资已经四个月，多次找老板协商无果，请劳动监察部门帮助追讨。",
        "小区物业不作为，垃圾堆放多日无人清理，电梯经常故障，请主管部门督促整改。",
    ]
    static let types = ["投诉", "求助", "咨询", "举报", "建议", "表扬"]
    static let urgencies = ["一般", "一般", "一般", "紧急", "急件", "特急"]
    static let lines = ["无", "无", "无", "无", "市长专线", "局长专线"]
    static let channels = ["电话", "电话", "电话", "网站", "微信", "APP", "信件"]

    static let header = ["工单编号", "来电时间", "来电人", "联系电话", "诉求类型", "诉求分类", "诉求标题", "诉求内容",
                         "诉求地址", "经度", "纬度", "办理时限", "紧急程度", "专线", "来源渠道"]

    static func workbook(rows: Int, now: Date) -> Workbook {
        var sheet = Worksheet(name: "工单导出", header: header)
        for i in 0..<rows {
            sheet.append(row(i, now: now))
        }
        return Workbook(sheets: [sheet], creator: "鄂尔多斯市12345政务服务便民热线平台", created: now)
    }

    static func row(_ i: Int, now: Date) -> [ReportCell] {
        let received = now - Double(rows(i) % (30 * 86_400))
        let town = towns[i % towns.count]
        let problem = problems[i % problems.count]
        let category = categories[i % categories.count]
        let name = String(surnames[i % surnames.count]) + (i % 2 == 0 ? "先生" : "女士")
        return [
            .text(String(format: "ORD%@%06d", "202612", i)), .date(received), .text(name),
            .text(String(format: "138%08d", 47_710_000 + i % 89_999_999)), .text(types[i % types.count]), .text(category),
            .text("\(town)\(category)问题"), .text("\(town)第\(i % 40 + 1)小区\(i % 12 + 1)号楼居民来电反映：\(problem)"),
            .text("达拉特旗\(town)第\(i % 40 + 1)小区\(i % 12 + 1)号楼"), .text(String(format: "%.5f", 109.9 + Double(i % 500) / 1000)),
            .text(String(format: "%.5f", 40.3 + Double(i % 300) / 1000)), .date(received + 5 * 86_400),
            .text(urgencies[i % urgencies.count]), .text(lines[i % lines.count]), .text(channels[i % channels.count]),
        ]
    }

    /// A spread of receipt times over the last 30 days, whole minutes.
    static func rows(_ i: Int) -> Int { (i &* 7_919 % 43_200) * 60 }
}
