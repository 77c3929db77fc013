import Foundation

/// Charts drawn as self-contained SVG strings for report pages and exports: no script, no external fonts or
/// stylesheets, every piece of text escaped.
///
/// Each chart has a `viewBox` and `width`/`height` plus `style="max-width:100%;height:auto"`, so it keeps its
/// proportions when a phone narrows it. For screen readers the root carries `aria-label` and a `<title>` (the
/// chart title) and a `<desc>` listing the data; it is `role="img"` unless some element links somewhere, in which
/// case it is `role="group"` (an image's children are hidden from assistive technology, links included) and each
/// link has its own `aria-label`. Every mark also has a `<title>` child, shown as a tooltip on hover.
///
/// Colours come from `palette`, whose entries differ in lightness so series stay apart on a grey printout;
/// line series are also told apart by dash pattern and marker shape.
public enum SVGChart {
    /// Series colours, in order: navy, amber, brick red, teal, light blue (greyscale ≈ 57, 162, 92, 121, 196).
    public static let palette = ["#1F3B73", "#E69F00", "#B03A2E", "#2A9D8F", "#A6CEE3"]
    /// A font stack that finds a CJK face on macOS/iOS, Windows, Linux and Android.
    public static let fontFamily = "'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif"

    /// How values are written on the chart.
    public enum ValueFormat: Sendable, Equatable {
        /// A fraction shown as a percentage: `.percent(decimals: 1)` writes 0.953 as "95.3%".
        case percent(decimals: Int)
        /// Rounded to a whole number.
        case integer
        case decimal(places: Int)

        public func text(_ x: Double) -> String {
            guard x.isFinite else { return "" }
            return switch self {
            case .percent(let d): DecimalText.fixed(x * 100, decimals: d) + "%"
            case .integer: DecimalText.fixed(x.rounded(), decimals: 0)
            case .decimal(let d): DecimalText.fixed(x, decimals: d)
            }
        }

        /// The format for axis ticks `tick` apart: percentages without decimals when the ticks fall on whole
        /// percents, otherwise the format itself.
        func axis(tick: Double) -> ValueFormat {
            guard case .percent = self, tick.isFinite else { return self }
            let p = tick * 100
            return abs(p - p.rounded()) < 1e-9 ? .percent(decimals: 0) : self
        }
    }

    // MARK: - Horizontal bars

    /// One bar of a ranking: a unit and its rate or count. A `nil` value is shown as "无数据" with no bar.
    public struct Bar: Sendable, Equatable {
        public var label: String
        public var value: Double?
        /// Where a click on the bar leads (a drill-down page); relative URLs and http(s) only.
        public var href: String?

        public init(_ label: String, _ value: Double?, href: String? = nil) {
            self.label = label
            self.value = value
            self.href = href
        }
    }

    /// A horizontal bar chart, one row per bar in the given order: label on the left, value at the bar's end,
    /// and an optional dashed target line (e.g. 100%).
    ///
    /// - Parameters:
    ///   - scaleMax: the value at the right edge. By default 100% for percentages that stay within it, otherwise
    ///     a round number (1, 2 or 5 × 10ⁿ steps) at or above the largest value and the target. Longer bars are
    ///     clipped at the edge, negative ones drawn with no length.
    ///   - targetLabel: text above the target line; "目标 " plus the formatted target by default.
    public static func horizontalBars(
        title: String, bars: [Bar], format: ValueFormat = .percent(decimals: 1),
        scaleMax: Double? = nil, target: Double? = nil, targetLabel: String? = nil, width: Int = 640
    ) -> String {
        let width = Double(max(width, 240))
        let values = bars.map { finite($0.value) }
        let target = finite(target)
        let peak = max(values.compactMap { $0 }.max() ?? 0, target ?? 0)
        let top: Double, tick: Double
        if let s = finite(scaleMax), s > 0 {
            (top, tick) = (s, s / 4)
        } else if case .percent = format, peak <= 1 {
            (top, tick) = (1, 0.25)
        } else {
            (top, tick) = niceScale(peak, integral: format == .integer)
        }
        let axisFormat = format.axis(tick: tick)

        let pad = 12.0, rowH = 26.0, barH = 16.0
        let labelUnits = min(bars.map { DisplayWidth.units($0.label) }.max() ?? 0, 24)
        let valueTexts = values.map { $0.map(format.text) ?? "无数据" }
        let valueUnits = max(valueTexts.map(DisplayWidth.units).max() ?? 0, DisplayWidth.units(axisFormat.text(top)) / 2 + 1)
        var labelW = Double(labelUnits) * unit + 8
        let valueW = Double(valueUnits) * unit + 8
        labelW = min(labelW, max(width * 0.45, 60))
        let plotX = pad + labelW
        let plotW = max(width - plotX - valueW - pad, 40)
        let plotTop = 36.0 + (target == nil ? 0 : 16)
        let rowsH = Double(max(bars.count, 1)) * rowH
        let height = plotTop + rowsH + 26
        func x(_ v: Double) -> Double { plotX + min(max(v, 0), top) / top * plotW }

        let linked = bars.contains { safeHref($0.href) != nil }
        let summary = zip(bars, valueTexts).map { "\($0.label) \($1)" }.joined(separator: "；")
        var svg = SVGWriter(width: width, height: height, title: title, desc: summary, linked: linked)

        // Grid and axis labels at each tick of the scale.
        for v in ticks(top: top, tick: tick) {
            svg.line(x(v), plotTop - 4, x(v), plotTop + rowsH, stroke: v == 0 ? axisColour : gridColour)
            svg.text(axisFormat.text(v), x: x(v), y: plotTop + rowsH + 16, anchor: "middle", size: 11, fill: mutedColour)
        }
        // The target line goes under the bars and their values, which sit on a white patch to stay legible.
        if let t = target {
            let tx = x(t)
            svg.line(tx, plotTop - 6, tx, plotTop + rowsH, stroke: palette[2], width: 1.5, dash: "5 3")
            svg.text(targetLabel ?? "目标 \(format.text(t))", x: min(max(tx, pad + 30), width - pad - 30), y: plotTop - 10,
                     anchor: "middle", size: 11, fill: palette[2])
        }

        if bars.isEmpty {
            svg.text("暂无数据", x: plotX + plotW / 2, y: plotTop + rowH / 2 + 4, anchor: "middle", fill: mutedColour)
        }
        for (i, bar) in bars.enumerated() {
            let y = plotTop + Double(i) * rowH
            let shown = DisplayWidth.truncate(bar.label, to: Int((labelW - 8) / unit))
            svg.openLink(safeHref(bar.href), label: "\(bar.label) \(valueTexts[i])")
            svg.raw("<g>")
            svg.text(shown, x: plotX - 6, y: y + rowH / 2 + 4, anchor: "end", tooltip: shown == bar.label ? nil : bar.label)
            if let v = values[i] {
                let end = x(v)
                svg.rect(plotX, y + (rowH - barH) / 2, end - plotX, barH, fill: palette[0], cssClass: "bar",
                         tooltip: "\(bar.label)：\(valueTexts[i])")
                let textW = Double(DisplayWidth.units(valueTexts[i])) * unit
                svg.raw(##"<rect x="\##(num(end + 2))" y="\##(num(y + rowH / 2 - 8))" width="\##(num(textW + 4))" height="16" fill="#FFFFFF" fill-opacity="0.85"/>"##)
                svg.text(valueTexts[i], x: end + 4, y: y + rowH / 2 + 4, anchor: "start")
            } else {
                svg.text(valueTexts[i], x: plotX + 4, y: y + rowH / 2 + 4, anchor: "start", fill: mutedColour)
            }
            svg.raw("</g>")
            svg.closeLink(safeHref(bar.href))
        }
        return svg.finish()
    }

    // MARK: - Lines

    /// One line of a trend chart: a value per x label, `nil` where there is none (the line breaks there).
    public struct LineSeries: Sendable, Equatable {
        public var name: String
        public var values: [Double?]

        public init(_ name: String, _ values: [Double?]) {
            self.name = name
            self.values = values
        }
    }

    /// A multi-series line chart for monthly trends, with a legend. The y axis runs from 0 to `yMax` (100% by
    /// default); values outside are clipped to the plot. Missing points leave a gap; every point present gets a
    /// marker, so a point with no neighbours still shows.
    public static func lines(
        title: String, xLabels: [String], series: [LineSeries], format: ValueFormat = .percent(decimals: 0),
        yMax: Double = 1, target: Double? = nil, width: Int = 640, height: Int = 320
    ) -> String {
        let width = Double(max(width, 240))
        let yMax = finite(yMax).flatMap { $0 > 0 ? $0 : nil } ?? 1
        let n = max(xLabels.count, series.map(\.values.count).max() ?? 0)
        let pad = 12.0
        let legend = Legend(names: series.map(\.name), width: width - 2 * pad, line: true)
        let yLabelW = Double(DisplayWidth.units(format.text(yMax))) * unit + 8
        let plotX = pad + yLabelW
        let plotW = max(width - plotX - pad - 4, 40)
        let plotTop = 36 + legend.height + 8
        let height = max(Double(height), plotTop + 120)
        let plotBottom = height - 28
        let step = plotW / Double(max(n, 1))
        func x(_ i: Int) -> Double { plotX + step * (Double(i) + 0.5) }
        func y(_ v: Double) -> Double { plotBottom - min(max(v, 0), yMax) / yMax * (plotBottom - plotTop) }

        let summary = series.map { s in
            s.name + "：" + s.values.enumerated().map { i, v in
                "\(i < xLabels.count ? xLabels[i] : String(i + 1)) \(finite(v).map(format.text) ?? "无数据")"
            }.joined(separator: "，")
        }.joined(separator: "；")
        var svg = SVGWriter(width: width, height: height, title: title, desc: summary, linked: false)
        legend.draw(into: &svg, x: pad, y: 36)

        for k in 0...4 {
            let v = yMax * Double(k) / 4
            svg.line(plotX, y(v), plotX + plotW, y(v), stroke: k == 0 ? axisColour : gridColour)
            svg.text(format.axis(tick: yMax / 4).text(v), x: plotX - 6, y: y(v) + 4, anchor: "end", size: 11, fill: mutedColour)
        }
        let labelUnits = xLabels.map(DisplayWidth.units).max() ?? 0
        let every = max(1, Int((Double(labelUnits) * unit * 0.92 + 6) / step) + 1)
        for (i, label) in xLabels.enumerated() where i % every == 0 {
            svg.text(label, x: x(i), y: plotBottom + 18, anchor: "middle", size: 11, fill: mutedColour)
        }
        if let t = finite(target) {
            svg.line(plotX, y(t), plotX + plotW, y(t), stroke: mutedColour, width: 1, dash: "5 3")
        }

        for (si, s) in series.enumerated() {
            let colour = palette[si % palette.count]
            var d = ""
            var penDown = false
            for (i, v) in s.values.enumerated() {
                guard let v = finite(v) else { penDown = false; continue }
                d += (penDown ? "L" : "M") + num(x(i)) + " " + num(y(v))
                penDown = true
            }
            if !d.isEmpty {
                svg.raw(#"<path d="\#(d)" fill="none" stroke="\#(colour)" stroke-width="2" stroke-linejoin="round"\#(dashAttribute(si))/>"#)
            }
            for (i, v) in s.values.enumerated() {
                guard let v = finite(v) else { continue }
                let label = i < xLabels.count ? xLabels[i] : String(i + 1)
                svg.marker(si, x(i), y(v), colour: colour, tooltip: "\(s.name) \(label)：\(format.text(v))")
            }
        }
        return svg.finish()
    }

    // MARK: - Columns

    /// One category of a column chart (a unit), with one value per series and an optional drill-down link.
    public struct ColumnGroup: Sendable, Equatable {
        public var label: String
        public var values: [Double]
        public var href: String?

        public init(_ label: String, _ values: [Double], href: String? = nil) {
            self.label = label
            self.values = values
            self.href = href
        }
    }

    /// A column chart of counts per category, with a legend: series side by side (`stacked: false`) or stacked
    /// with the total on top (`stacked: true`). Zero, negative and non-finite values draw no column. Labels that
    /// do not fit under their column are slanted and, past ten units, shortened (the full text is the tooltip).
    public static func columns(
        title: String, seriesNames: [String], groups: [ColumnGroup], stacked: Bool = false,
        format: ValueFormat = .integer, width: Int = 640, height: Int = 320
    ) -> String {
        let width = Double(max(width, 240))
        let seriesCount = max(seriesNames.count, groups.map(\.values.count).max() ?? 0, 1)
        func value(_ g: ColumnGroup, _ s: Int) -> Double {
            s < g.values.count ? max(finite(g.values[s]) ?? 0, 0) : 0
        }
        let peak = groups.map { g in
            stacked ? (0..<seriesCount).reduce(0) { $0 + value(g, $1) } : (0..<seriesCount).map { value(g, $0) }.max() ?? 0
        }.max() ?? 0
        let (top, tick) = niceScale(peak, integral: format == .integer)

        let pad = 12.0
        let legend = Legend(names: seriesNames, width: width - 2 * pad, line: false)
        let yLabelW = Double(DisplayWidth.units(format.text(top))) * unit + 8
        let plotX = pad + yLabelW
        let plotW = max(width - plotX - pad, 40)
        let groupW = plotW / Double(max(groups.count, 1))
        let labelUnits = groups.map { DisplayWidth.units($0.label) }.max() ?? 0
        let slanted = Double(labelUnits) * unit > groupW - 4
        let shownUnits = slanted ? min(labelUnits, 10) : labelUnits
        let labelBand = slanted ? Double(shownUnits) * unit * 0.64 + 20 : 24
        let plotTop = 36 + legend.height + 16
        let height = max(Double(height), plotTop + 120 + labelBand)
        let plotBottom = height - labelBand
        func y(_ v: Double) -> Double { plotBottom - min(v, top) / top * (plotBottom - plotTop) }

        let summary = groups.map { g in
            g.label + "：" + (0..<seriesCount).map { s in
                "\(s < seriesNames.count ? seriesNames[s] : "系列\(s + 1)") \(format.text(value(g, s)))"
            }.joined(separator: "，")
        }.joined(separator: "；")
        let linked = groups.contains { safeHref($0.href) != nil }
        var svg = SVGWriter(width: width, height: height, title: title, desc: summary, linked: linked)
        legend.draw(into: &svg, x: pad, y: 36)

        for v in ticks(top: top, tick: tick) {
            svg.line(plotX, y(v), plotX + plotW, y(v), stroke: v == 0 ? axisColour : gridColour)
            svg.text(format.axis(tick: tick).text(v), x: plotX - 6, y: y(v) + 4, anchor: "end", size: 11, fill: mutedColour)
        }
        if groups.isEmpty {
            svg.text("暂无数据", x: plotX + plotW / 2, y: (plotTop + plotBottom) / 2, anchor: "middle", fill: mutedColour)
        }

        let barW = stacked ? min(groupW * 0.6, 44) : min(groupW * 0.8 / Double(seriesCount), 28)
        for (gi, g) in groups.enumerated() {
            let centre = plotX + groupW * (Double(gi) + 0.5)
            let href = safeHref(g.href)
            svg.openLink(href, label: g.label + "：" + (0..<seriesCount).map { s in
                "\(s < seriesNames.count ? seriesNames[s] : "系列\(s + 1)") \(format.text(value(g, s)))"
            }.joined(separator: "，"))
            svg.raw("<g>")
            var base = 0.0
            for s in 0..<seriesCount {
                let val = value(g, s)
                let name = s < seriesNames.count ? seriesNames[s] : "系列\(s + 1)"
                let left = stacked ? centre - barW / 2 : centre - barW * Double(seriesCount) / 2 + barW * Double(s)
                let y0 = y(base), y1 = y(base + val)
                if val > 0, y0 - y1 > 0 {
                    svg.rect(left, y1, barW, y0 - y1, fill: palette[s % palette.count], cssClass: "column",
                             tooltip: "\(g.label) \(name)：\(format.text(val))", separated: true)
                    if !stacked, barW >= 14 {
                        svg.text(format.text(val), x: left + barW / 2, y: y1 - 3, anchor: "middle", size: 10)
                    }
                }
                if stacked { base += val }
            }
            if stacked, base > 0 {
                svg.text(format.text(base), x: centre, y: y(base) - 3, anchor: "middle", size: 11)
            }
            let shown = DisplayWidth.truncate(g.label, to: max(shownUnits, 1))
            let tooltip = shown == g.label ? nil : g.label
            if slanted {
                svg.text(shown, x: centre, y: plotBottom + 14, anchor: "end", size: 11, tooltip: tooltip,
                         transform: "rotate(-40 \(num(centre)) \(num(plotBottom + 14)))")
            } else {
                svg.text(shown, x: centre, y: plotBottom + 16, anchor: "middle", size: 11, tooltip: tooltip)
            }
            svg.raw("</g>")
            svg.closeLink(href)
        }
        return svg.finish()
    }

    // MARK: - Helpers

    /// Approximate advance of one narrow character at 12 px; a CJK character is two.
    static let unit = 6.6
    static let axisColour = "#888888"
    static let gridColour = "#E3E3E3"
    static let mutedColour = "#666666"
    static let textColour = "#222222"

    static func finite(_ x: Double?) -> Double? {
        guard let x, x.isFinite else { return nil }
        return x
    }

    /// A coordinate with at most one decimal; never "nan" or "inf".
    static func num(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        let r = (x * 10).rounded() / 10
        return r == r.rounded() ? DecimalText.fixed(r, decimals: 0) : DecimalText.fixed(r, decimals: 1)
    }

    /// A link target that cannot run script: relative references, and absolute http or https URLs.
    static func safeHref(_ href: String?) -> String? {
        guard let h = href?.trimmingCharacters(in: .whitespacesAndNewlines), !h.isEmpty else { return nil }
        guard !h.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return nil }
        let beforePath = h.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let colon = beforePath.firstIndex(of: ":") else { return h }
        let scheme = h[..<colon].lowercased()
        return scheme == "http" || scheme == "https" ? h : nil
    }

    /// A round axis maximum at or above `peak`, with its tick step (1, 2 or 5 × 10ⁿ; at least 1 for counts),
    /// giving about five ticks.
    static func niceScale(_ peak: Double, integral: Bool) -> (top: Double, tick: Double) {
        guard peak.isFinite, peak > 0 else { return integral ? (5, 1) : (1, 0.2) }
        let raw = peak / 5
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        var tick = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        if integral { tick = max(tick.rounded(.up), 1) }
        return ((peak / tick).rounded(.up) * tick, tick)
    }

    /// 0, tick, 2·tick, … up to `top` (inclusive, allowing for rounding).
    static func ticks(top: Double, tick: Double) -> [Double] {
        guard top.isFinite, tick.isFinite, top > 0, tick > 0 else { return [0] }
        let count = Int((top / tick + 1e-9).rounded(.down))
        return (0...min(count, 50)).map { Double($0) * tick }
    }

    /// Dash patterns for line series, so they differ without colour.
    static let dashes = ["", "7 4", "2 3", "9 3 2 3", "4 2"]

    static func dashAttribute(_ series: Int) -> String {
        let d = dashes[series % dashes.count]
        return d.isEmpty ? "" : #" stroke-dasharray="\#(d)""#
    }

    /// A row-wrapping legend of swatches (or line samples with markers) and series names.
    struct Legend {
        var items: [(name: String, x: Double, row: Int)] = []
        var rows = 0
        let line: Bool

        init(names: [String], width: Double, line: Bool) {
            self.line = line
            var x = 0.0, row = 0
            for name in names {
                let w = 30 + Double(DisplayWidth.units(name)) * SVGChart.unit + 14
                if x > 0, x + w > width { x = 0; row += 1 }
                items.append((name, x, row))
                x += w
            }
            rows = names.isEmpty ? 0 : row + 1
        }

        var height: Double { Double(rows) * 18 }

        func draw(into svg: inout SVGWriter, x: Double, y: Double) {
            for (i, item) in items.enumerated() {
                let left = x + item.x, mid = y + Double(item.row) * 18 + 7
                let colour = SVGChart.palette[i % SVGChart.palette.count]
                if line {
                    svg.raw(#"<line x1="\#(num(left))" y1="\#(num(mid))" x2="\#(num(left + 24))" y2="\#(num(mid))" stroke="\#(colour)" stroke-width="2"\#(dashAttribute(i))/>"#)
                    svg.marker(i, left + 12, mid, colour: colour, tooltip: nil, cssClass: "legend-marker")
                } else {
                    svg.raw(#"<rect x="\#(num(left + 6))" y="\#(num(mid - 6))" width="12" height="12" fill="\#(colour)"/>"#)
                }
                svg.text(item.name, x: left + 30, y: mid + 4, anchor: "start", size: 12)
            }
        }
    }
}

/// Accumulates the SVG text of one chart.
struct SVGWriter {
    private var out: String

    init(width: Double, height: Double, title: String, desc: String, linked: Bool) {
        let w = SVGChart.num(width), h = SVGChart.num(height)
        let t = XMLText.escape(title, attribute: true)
        out = #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \#(w) \#(h)" width="\#(w)" height="\#(h)""#
        out += #" role="\#(linked ? "group" : "img")" aria-label="\#(t)""#
        out += #" font-family="\#(SVGChart.fontFamily)" font-size="12" fill="\#(SVGChart.textColour)""#
        out += #" style="max-width:100%;height:auto">"#
        out += "<title>\(XMLText.escape(title))</title><desc>\(XMLText.escape(desc))</desc>"
        out += ##"<rect x="0" y="0" width="\##(w)" height="\##(h)" fill="#FFFFFF"/>"##
        let shownTitle = DisplayWidth.truncate(title, to: Int((width - 24) / (SVGChart.unit * 1.25)))
        out += #"<text x="12" y="22" font-size="15" font-weight="bold">\#(XMLText.escape(shownTitle))</text>"#
    }

    mutating func raw(_ s: String) { out += s }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1, dash: String? = nil) {
        out += #"<line x1="\#(SVGChart.num(x1))" y1="\#(SVGChart.num(y1))" x2="\#(SVGChart.num(x2))" y2="\#(SVGChart.num(y2))" stroke="\#(stroke)""#
        if width != 1 { out += #" stroke-width="\#(SVGChart.num(width))""# }
        if let dash { out += #" stroke-dasharray="\#(dash)""# }
        out += "/>"
    }

    mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String, cssClass: String, tooltip: String?, separated: Bool = false) {
        out += #"<rect class="\#(cssClass)" x="\#(SVGChart.num(x))" y="\#(SVGChart.num(y))" width="\#(SVGChart.num(max(w, 0)))" height="\#(SVGChart.num(max(h, 0)))" fill="\#(fill)""#
        if separated { out += ##" stroke="#FFFFFF" stroke-width="0.75""## }
        if let tooltip {
            out += "><title>\(XMLText.escape(tooltip))</title></rect>"
        } else {
            out += "/>"
        }
    }

    mutating func text(_ s: String, x: Double, y: Double, anchor: String, size: Double? = nil, fill: String? = nil,
                       tooltip: String? = nil, transform: String? = nil) {
        out += #"<text x="\#(SVGChart.num(x))" y="\#(SVGChart.num(y))" text-anchor="\#(anchor)""#
        if let size { out += #" font-size="\#(SVGChart.num(size))""# }
        if let fill { out += #" fill="\#(fill)""# }
        if let transform { out += #" transform="\#(transform)""# }
        out += ">"
        if let tooltip { out += "<title>\(XMLText.escape(tooltip))</title>" }
        out += XMLText.escape(s) + "</text>"
    }

    /// A point marker whose shape depends on the series: circle, square, triangle, diamond, then again.
    mutating func marker(_ series: Int, _ x: Double, _ y: Double, colour: String, tooltip: String?, cssClass: String = "point") {
        let n = SVGChart.num
        let r = 3.5
        let shape: String
        switch series % 4 {
        case 0: shape = #"<circle class="\#(cssClass)" cx="\#(n(x))" cy="\#(n(y))" r="\#(n(r))""#
        case 1: shape = #"<rect class="\#(cssClass)" x="\#(n(x - r))" y="\#(n(y - r))" width="\#(n(2 * r))" height="\#(n(2 * r))""#
        case 2: shape = #"<path class="\#(cssClass)" d="M\#(n(x)) \#(n(y - r - 0.8))L\#(n(x + r + 0.6)) \#(n(y + r))L\#(n(x - r - 0.6)) \#(n(y + r))Z""#
        default: shape = #"<path class="\#(cssClass)" d="M\#(n(x)) \#(n(y - r - 1))L\#(n(x + r + 1)) \#(n(y))L\#(n(x)) \#(n(y + r + 1))L\#(n(x - r - 1)) \#(n(y))Z""#
        }
        out += shape + ##" fill="\##(colour)" stroke="#FFFFFF" stroke-width="1""##
        if let tooltip {
            out += "><title>\(XMLText.escape(tooltip))</title></\(series % 4 == 0 ? "circle" : series % 4 == 1 ? "rect" : "path")>"
        } else {
            out += "/>"
        }
    }

    mutating func openLink(_ href: String?, label: String) {
        guard let href else { return }
        out += #"<a href="\#(XMLText.escape(href, attribute: true))" aria-label="\#(XMLText.escape(label, attribute: true))">"#
    }

    mutating func closeLink(_ href: String?) {
        if href != nil { out += "</a>" }
    }

    func finish() -> String { out + "</svg>" }
}
