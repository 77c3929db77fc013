import Foundation
import Testing
@testable import HotlineReports

@Suite("报表：SVG 图表")
struct SVGChartTests {
    /// Checks what every chart must satisfy and returns the parse for further checks.
    func check(_ svg: String, title: String, role: String = "img") -> XMLProbe {
        let probe = XMLProbe.parse(svg)
        #expect(probe.wellFormed, "\(String(describing: probe.error))\n\(svg)")
        let root = probe.elements.first
        #expect(root?.name == "svg")
        #expect(root?.attributes["role"] == role)
        #expect(root?.attributes["aria-label"] == title)
        #expect(root?.attributes["viewBox"]?.hasPrefix("0 0 ") == true)
        #expect(root?.attributes["font-family"]?.contains("Noto Sans CJK SC") == true)
        #expect(probe.elements.dropFirst().first?.name == "title")
        for bad in ["NaN", "nan", "inf", "Infinity"] {
            #expect(!svg.contains(bad), "\(bad) in \(svg)")
        }
        return probe
    }

    @Test func barChartDrawsOneBarPerValueAndEscapesLabels() {
        let svg = SVGChart.horizontalBars(
            title: "按时办结率 <3月>",
            bars: [
                .init("城关镇", 0.953),
                .init("A&B \"局\"", 1.0),
                .init("暂无工单", nil),
                .init("零值单位", 0),
                .init("坏值", .nan),
            ],
            target: 1.0
        )
        let probe = check(svg, title: "按时办结率 <3月>")
        #expect(probe.count("rect", class: "bar") == 3)
        #expect(svg.contains("按时办结率 &lt;3月&gt;"))
        #expect(svg.contains("A&amp;B &quot;局&quot;"))
        #expect(probe.text.contains("95.3%"))
        #expect(probe.text.contains("无数据"))
        #expect(probe.text.contains("目标 100.0%"))
        #expect(probe.elements.contains { $0.name == "line" && $0.attributes["stroke-dasharray"] != nil })
        // The zero bar has zero width, not a negative or undefined one.
        #expect(probe.elements.filter { $0.attributes["class"] == "bar" }.map { $0.attributes["width"]! }.last == "0")
    }

    @Test func barLinksAreWrappedAndUnsafeOnesDropped() {
        let svg = SVGChart.horizontalBars(title: "排名", bars: [
            .init("城关镇", 0.9, href: "/reports/units/1?month=2026-03&x=<y>"),
            .init("住建局", 0.8, href: "javascript:alert(1)"),
            .init("水务局", 0.7, href: "https://example.org/u/3"),
            .init("交通局", 0.6, href: " JavaScript:alert(1)"),
        ], format: .percent(decimals: 0))
        let probe = check(svg, title: "排名", role: "group")
        let links = probe.elements.filter { $0.name == "a" }
        #expect(links.map { $0.attributes["href"] } == ["/reports/units/1?month=2026-03&x=<y>", "https://example.org/u/3"])
        #expect(links.first?.attributes["aria-label"] == "城关镇 90%")
        #expect(svg.contains("month=2026-03&amp;x=&lt;y&gt;"))
        #expect(!svg.lowercased().contains("javascript"))
    }

    @Test func anEmptyOrAllZeroBarChartIsStillValid() {
        let empty = check(SVGChart.horizontalBars(title: "空", bars: []), title: "空")
        #expect(empty.count("rect", class: "bar") == 0)
        #expect(empty.text.contains("暂无数据"))
        let zeros = SVGChart.horizontalBars(title: "零", bars: [.init("a", 0), .init("b", 0)], format: .integer)
        #expect(check(zeros, title: "零").count("rect", class: "bar") == 2)
    }

    @Test func countBarsGetARoundScale() {
        let svg = SVGChart.horizontalBars(title: "超期件数", bars: [.init("甲", 9), .init("乙", 3)], format: .integer)
        let probe = check(svg, title: "超期件数")
        #expect(["0", "2", "4", "6", "8", "10"].allSatisfy { svg.contains(">\($0)</text>") })
        let widths = probe.elements.filter { $0.attributes["class"] == "bar" }.compactMap { Double($0.attributes["width"]!) }
        #expect(widths.count == 2 && abs(widths[0] / widths[1] - 3) < 0.05)
    }

    @Test func lineChartSkipsNilPointsWithAGap() throws {
        let months = (1...6).map { "\($0)月" }
        let svg = SVGChart.lines(title: "月度趋势", xLabels: months, series: [
            .init("按时办结率", [0.9, 0.92, nil, 0.95, 0.97, 1.0]),
            .init("满意率", [0.8, nil, nil, nil, nil, .nan]),
            .init("回访率 <全部>", [nil, nil, nil, nil, nil, nil]),
            .init("超出", [1.5, -0.2, 0.5, 0.5, 0.5, 0.5]),
        ], target: 0.95)
        let probe = check(svg, title: "月度趋势")
        #expect(probe.count(class: "point") == 5 + 1 + 0 + 6)
        // The first series breaks at March: two "M" moves in its path.
        let paths = probe.elements.filter { $0.name == "path" && $0.attributes["class"] == nil && $0.attributes["fill"] == "none" }
        #expect(paths.count == 3)
        #expect(paths[0].attributes["d"]!.filter { $0 == "M" }.count == 2)
        #expect(paths[1].attributes["d"]!.filter { $0 == "M" }.count == 1)
        #expect(paths[1].attributes["d"]!.contains("L") == false)
        #expect(probe.text.contains("回访率 <全部>"))
        #expect(svg.contains("回访率 &lt;全部&gt;"))
        #expect(probe.text.contains("100%") && probe.text.contains("0%"))
        #expect(months.allSatisfy { probe.text.contains($0) })
        #expect(probe.elements.contains { $0.name == "line" && $0.attributes["stroke-dasharray"] == "5 3" })
    }

    @Test func lineChartWithNoDataIsValid() {
        let svg = SVGChart.lines(title: "无", xLabels: [], series: [], yMax: .nan)
        #expect(check(svg, title: "无").count(class: "point") == 0)
    }

    @Test func manyXLabelsAreThinned() {
        let labels = (1...36).map { "2026年\($0)月" }
        let svg = SVGChart.lines(title: "三年", xLabels: labels, series: [.init("率", labels.map { _ in 0.5 })], width: 360)
        let probe = check(svg, title: "三年")
        let shown = labels.filter { svg.contains(">\($0)</text>") }
        #expect(shown.count > 1 && shown.count < 12)
        #expect(shown.first == "2026年1月")
        #expect(probe.count(class: "point") == 36)
    }

    @Test func stackedColumnsDrawOnlyNonZeroSegmentsAndATotal() {
        let svg = SVGChart.columns(title: "超期与临期", seriesNames: ["超期", "临期", "问题件"], groups: [
            .init("城关镇", [3, 0, 1]),
            .init("达拉特旗住房和城乡建设局", [0, 0, 0]),
            .init("水务局", [2, 5, 2], href: "/units/9"),
            .init("坏数据", [.nan, -1, .infinity]),
        ], stacked: true)
        let probe = check(svg, title: "超期与临期", role: "group")
        #expect(probe.count("rect", class: "column") == 2 + 0 + 3 + 0)
        #expect(probe.text.contains("9")) // the stacked total for 水务局
        #expect(probe.elements.filter { $0.name == "a" }.map { $0.attributes["href"] } == ["/units/9"])
        #expect(probe.text.contains("超期") && probe.text.contains("问题件"))
    }

    @Test func groupedColumnsSitSideBySide() {
        let groups = (1...5).map { SVGChart.ColumnGroup("单位\($0)", [Double($0), Double(10 - $0)]) }
        let svg = SVGChart.columns(title: "分组", seriesNames: ["本月", "上月"], groups: groups)
        let probe = check(svg, title: "分组")
        let columns = probe.elements.filter { $0.attributes["class"] == "column" }
        #expect(columns.count == 10)
        #expect(Set(columns.map { $0.attributes["fill"]! }) == Set(SVGChart.palette.prefix(2)))
        let xs = columns.compactMap { Double($0.attributes["x"]!) }
        #expect(Set(xs).count == 10)
    }

    @Test func columnsWithNothingAreValid() {
        #expect(check(SVGChart.columns(title: "空", seriesNames: [], groups: []), title: "空").count(class: "column") == 0)
        #expect(check(SVGChart.columns(title: "零", seriesNames: ["a"], groups: [.init("x", [0])]), title: "零").count(class: "column") == 0)
    }

    @Test func helpers() {
        #expect(SVGChart.niceScale(0, integral: true) == (5, 1))
        #expect(SVGChart.niceScale(9, integral: true) == (10, 2))
        #expect(SVGChart.niceScale(3, integral: true) == (3, 1))
        #expect(SVGChart.niceScale(47, integral: true) == (50, 10))
        let fractional = SVGChart.niceScale(0.37, integral: false)
        #expect(abs(fractional.top - 0.4) < 1e-12 && abs(fractional.tick - 0.1) < 1e-12)
        #expect(SVGChart.num(.nan) == "0")
        #expect(SVGChart.num(12.345) == "12.3")
        #expect(SVGChart.num(-0.04) == "0")
        #expect(SVGChart.ValueFormat.percent(decimals: 1).text(0.9999) == "100.0%")
        #expect(SVGChart.ValueFormat.integer.text(2.5) == "3")
        #expect(SVGChart.safeHref("reports?x=1:2") == "reports?x=1:2")
        #expect(SVGChart.safeHref("data:text/html,x") == nil)
        #expect(SVGChart.safeHref("/a\n") == "/a")
        #expect(DisplayWidth.units("城关镇ab") == 8)
        #expect(DisplayWidth.truncate("达拉特旗住房和城乡建设局", to: 10) == "达拉特旗…")
    }
    /// One chart of each kind as a page would show them, checked on every run. With `$HOTLINE_REPORT_SAMPLES` set
    /// they are also written there as `charts.html`, to look at in a browser.
    @Test func theSamplePageChartsAreValid() throws {
        let units = ["城关镇", "树林召镇", "王爱召镇", "达拉特旗住房和城乡建设局", "水务局", "交通运输局", "昭君镇"]
        let bars = SVGChart.horizontalBars(
            title: "2026年3月 各单位按时办结率",
            bars: zip(units, [0.953, 1.0, 0.5, 0.871, nil, 0, 0.999]).map { .init($0, $1, href: "/reports/units?name=\($0)") },
            target: 1.0)
        let months = (1...12).map { "\($0)月" }
        let lines = SVGChart.lines(title: "月度趋势", xLabels: months, series: [
            .init("按时办结率", [0.9, 0.92, nil, 0.95, 0.97, 1.0, 0.96, 0.94, 0.95, nil, nil, nil]),
            .init("满意率", [0.8, 0.85, 0.83, 0.9, 0.91, 0.89, 0.93, 0.92, 0.95, nil, nil, nil]),
            .init("回访率", [0.6, 0.65, 0.7, nil, 0.75, 0.8, 0.78, 0.82, 0.85, nil, nil, nil]),
        ], target: 0.95)
        let columns = SVGChart.columns(title: "超期、临期与问题件", seriesNames: ["超期", "临期", "问题件"],
                                       groups: zip(units, [[3, 1, 0], [0, 0, 0], [5, 2, 1], [12, 4, 3], [1, 0, 2], [0, 3, 0], [2, 2, 2]]).map { .init($0, $1) },
                                       stacked: true)
        let grouped = SVGChart.columns(title: "分组柱状图", seriesNames: ["超期", "临期", "问题件"],
                                       groups: zip(units.prefix(4), [[3, 1, 0], [0, 0, 0], [5, 2, 1], [12, 4, 3]]).map { .init($0, $1) })
        // Six of the seven units have a rate; each bar links to its unit.
        let barProbe = check(bars, title: "2026年3月 各单位按时办结率", role: "group")
        #expect(barProbe.count("rect", class: "bar") == 6)
        #expect(barProbe.elements.filter { $0.name == "a" }.count == 7)
        // A point per month with data: 按时办结率 misses March, 回访率 April, and nothing after September.
        #expect(check(lines, title: "月度趋势").count(class: "point") == 8 + 9 + 8)
        // Stacked: one segment per non-zero count; grouped: one column per non-zero count.
        #expect(check(columns, title: "超期、临期与问题件").count("rect", class: "column") == 2 + 0 + 3 + 3 + 2 + 1 + 3)
        #expect(check(grouped, title: "分组柱状图").count("rect", class: "column") == 2 + 0 + 3 + 3)

        guard let dir = ProcessInfo.processInfo.environment["HOTLINE_REPORT_SAMPLES"], !dir.isEmpty else { return }
        let page = "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'><body style='margin:8px'>"
            + [bars, lines, columns, grouped].map { "<div style='margin-bottom:12px'>\($0)</div>" }.joined() + "</body>"
        let url = URL(fileURLWithPath: dir, isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try Data(page.utf8).write(to: url.appendingPathComponent("charts.html"))
    }
}
