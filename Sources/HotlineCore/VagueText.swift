import Foundation

/// The lifecycle's substance check of the free text a rule covers: progress updates (notice §4.2), return reasons
/// (§2.4), extension and explanation reasons. A thin wrapper over the reply quality gate's `SubstanceFilter`,
/// built from the same `QualityConfig` phrase lists, so a phrase refused in a reply is refused everywhere and a
/// configured list changes both.
public struct VagueText: Sendable {
    public let filter: SubstanceFilter

    /// The default lists of `QualityConfig`.
    public init() {
        self.init(config: QualityConfig())
    }

    /// The vague and boilerplate phrases of `config`, as the quality gate uses them.
    public init(config: QualityConfig) {
        filter = SubstanceFilter(config: config)
    }

    /// What is left of `text` once stock phrases and boilerplate are out, and which stock phrases it leaned on
    /// (`vaguePhrases`, in the configured spelling, longest first), so a refusal can quote them.
    public func report(_ text: String) -> SubstanceFilter.Report {
        filter.report(text)
    }

    /// True when less than `minimum` characters of real content remain.
    public func isVague(_ text: String, minimum: Int) -> Bool {
        report(text).length < minimum
    }
}
