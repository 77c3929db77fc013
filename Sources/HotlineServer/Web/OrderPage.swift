import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// The order page: everything about one order, its history, and the forms for what this person may do now.
struct OrderPageView: Encodable {
    var id: String
    var row: OrderRowView
    var content: String
    var requesterName: String
    var requesterPhone: String
    var canReveal: Bool
    var requestType: String
    var channel: String
    var category: String?
    var leadUnit: String?
    var assisting: String?
    var fields: [Field]
    var reply: ReplyView?
    var photos: [PhotoLink]
    var events: [EventRow]
    var actions: Actions
    var form: [String: String]
    var units: [ListPage.Option]
    var subUnits: [ListPage.Option]
    var suggestedUnit: String?
    var workstationPhone: String
    /// The sign and return rules as the admin has set them (`TimeRules`).
    var signRule: String = ""
    var returnRule: String = ""
    /// A refused reply's quality findings, listed in the reply form.
    var replyCheck: ReplyCheck? = nil
    /// Likely duplicates of this order, offered to a dispatcher for 并单.
    var duplicates: [DuplicateView]? = nil
    /// The top three lead units for a dispatcher (routing rules, history, catalogue), clickable in the dispatch form.
    var dispatchSuggestions: [DispatchSuggestionView]? = nil

    struct ReplyCheck: Encodable { var findings: [FindingView]; var text: String }
    struct Field: Encodable { var label: String; var value: String }
    struct EventRow: Encodable { var time: String; var label: String; var actor: String; var note: String }
    struct PhotoLink: Encodable { var id: String; var tag: String }
    struct ReplyView: Encodable {
        var truthfulness: String; var findings: String; var process: String; var result: String; var contact: String
        var attitude: String; var visit: String; var visitedAt: String; var visitedBy: String; var waiver: String?
        var late: Bool
    }

    /// Each action: shown when the person may take it now; `why` explains a time rule that closes it.
    struct Actions: Encodable {
        var dispatch: Action?; var subAssign: Action?; var sign: Action?; var requestReturn: Action?; var decideReturn: Action?
        var progress: Action?; var requestExtension: Action?; var decideExtension: Action?; var reply: Action?
        var review: Action?; var callback: Action?; var urge: Action?; var requestExplanation: Action?
        var decideExplanation: Action?; var merge: Action?; var redispatch: Action?; var signOff: Action?
        var any: Bool
    }

    struct Action: Encodable {
        var open: Bool
        var why: String?
        var hint: String?
    }
}

enum OrderPages {
    /// Asks the core, with placeholder inputs, whether each action is open to this person now: one source of truth.
    static func actions(for o: WorkOrder, actor: Actor, lifecycle: Lifecycle, now: Date) -> OrderPageView.Actions {
        func probe(_ action: OrderAction) -> OrderPageView.Action? {
            do {
                _ = try lifecycle.decide(action, on: o, by: actor, at: now)
                return .init(open: true)
            } catch {
                switch error {
                case .forbidden, .notFound, .invalidState, .requestPending, .nothingPending, .selfApproval:
                    return nil
                case .returnWindowClosed, .extensionOnOverdue, .extensionTooLate, .approvalAfterDeadline, .requestAfterDeadline:
                    return .init(open: false, why: error.message)
                default:
                    return .init(open: true)
                }
            }
        }
        let placeholder = UUID()
        let emptyReply = Reply(truthfulness: .verified, findings: "", process: "", result: "", contact: "", requesterAttitude: "",
                               visitKind: .handleOnSite, visitedAt: nil, visitedBy: "")
        var a = OrderPageView.Actions(any: false)
        a.dispatch = probe(.dispatch(lead: placeholder, assisting: []))
        if let sub = actor.scope.first(where: { $0 != o.leadUnitID && $0 != actor.unitID }) { a.subAssign = probe(.assignSubUnit(sub)) }
        a.sign = probe(.sign)
        a.requestReturn = probe(.requestReturn(reason: ""))
        let otherUnit = UUID()
        a.redispatch = probe(.redispatch(lead: otherUnit, assisting: [], reason: ""))
        a.signOff = probe(.signOff(approve: false, note: ""))
        a.decideReturn = probe(.decideReturn(approve: false, note: "", redispatchTo: nil, assisting: []))
        a.progress = probe(.postProgress(text: ""))
        if let deadline = o.replyDeadline {
            a.requestExtension = probe(.requestExtension(reason: "", newDeadline: deadline + 86_400))
            if let latest = Optional(deadline - lifecycle.rules.extensionLead), a.requestExtension?.open == true {
                a.requestExtension?.hint = "延期须在反馈时限前\(Text.duration(lifecycle.rules.extensionLead))申请，最迟\(Text.time(latest))；经工作站和市平台两级审批后才变更时限。"
            }
        }
        a.decideExtension = probe(.decideExtension(approve: false, note: ""))
        a.reply = probe(.submitReply(emptyReply))
        if a.reply != nil, let internalDeadline = o.internalDeadline(rules: lifecycle.rules) {
            let signOff = lifecycle.rules.requiresLeaderSignOff(o) && !actor.has(.unitLeader) ? "本工单回复须经分管领导审签后提交工作站；" : ""
            a.reply?.hint = "\(signOff)请于\(Text.time(internalDeadline))前上传（反馈时限前\(Text.duration(lifecycle.rules.uploadLead))），写明核实情况、办理过程、办理结果、与诉求人联系情况及其是否满意，并上传办理前后照片。"
        }
        a.review = probe(.review(approve: false, note: ""))
        a.callback = probe(.recordCallback(resolved: true, satisfaction: .satisfied, note: ""))
        a.urge = probe(.urge(note: ""))
        a.requestExplanation = probe(.requestExplanation(reason: ""))
        a.decideExplanation = probe(.decideExplanation(approve: false, note: ""))
        if actor.has(.dispatcher), [.received, .dispatched, .handling].contains(o.state) { a.merge = .init(open: true) }
        a.any = [a.dispatch, a.subAssign, a.sign, a.requestReturn, a.decideReturn, a.progress, a.requestExtension, a.decideExtension,
                 a.reply, a.review, a.callback, a.urge, a.requestExplanation, a.decideExplanation, a.merge, a.redispatch,
                 a.signOff].contains { $0 != nil }
        return a
    }

    static func view(_ req: Request, _ o: WorkOrder, actor: Actor, form: [String: String] = [:]) async throws -> OrderPageView {
        let units = try await UnitNames.load(req)
        let lifecycle = req.application.hotline.lifecycle
        let events = try await req.orderService.orders.events(of: o.id)
        let photos = try await PhotoRepository(database: req.db).photos(of: o.id)
        let directory = DirectoryRepository(database: req.db)
        let allUnits = try await directory.units()
        let category = try await o.categoryID.asyncMap { try await CategoryModel.find($0, on: req.db)?.name } ?? nil
        let suggested = try await o.categoryID.asyncMap { try await directory.suggestedUnit(for: $0) } ?? nil
        let workstationPhone = allUnits.first { $0.unitKind == .workstation }?.phone ?? "5296118"
        // Who does not handle the order reads its free text with names and phones masked (DOMAIN §10).
        let revealed = actor.mayReveal(o)
        let mask = { (text: String) in PersonalData.text(text, of: o, revealed: revealed) }
        var fields: [OrderPageView.Field] = [
            .init(label: "紧急程度", value: Text.urgency(o.urgency)), .init(label: "受理时间", value: Text.time(o.receivedAt)),
        ]
        if o.specialLine != .none { fields.append(.init(label: "专线", value: Text.line(o.specialLine))) }
        if let d = o.dispatchedAt { fields.append(.init(label: "派单时间", value: Text.time(d))) }
        if let d = o.signDeadline { fields.append(.init(label: "签收时限", value: Text.time(d))) }
        if let d = o.signedAt { fields.append(.init(label: "签收时间", value: Text.time(d) + (o.respondedInTime == false ? "（超时）" : ""))) }
        if let d = o.replyDeadline { fields.append(.init(label: "反馈时限", value: Text.time(d))) }
        if let d = o.internalDeadline(rules: lifecycle.rules) { fields.append(.init(label: "上传时限", value: Text.time(d))) }
        if let p = o.pendingReturn { fields.append(.init(label: "退单原因", value: mask(p.reason))) }
        if let p = o.pendingExtension {
            fields.append(.init(label: "延期申请", value: "申请延至\(p.newDeadline.map(Text.time) ?? "")：\(mask(p.reason))（\(p.stage == .workstation ? "待工作站初审" : "待市平台复审")）"))
        }
        if let p = o.pendingExplanation { fields.append(.init(label: "解释说明", value: mask(p.reason))) }
        if let s = o.callbackSatisfaction { fields.append(.init(label: "回访结果", value: Text.satisfaction(s))) }
        if o.redoCount > 0 { fields.append(.init(label: "重办次数", value: String(o.redoCount))) }
        let reply = o.reply.map {
            OrderPageView.ReplyView(truthfulness: Text.truthfulness($0.truthfulness), findings: mask($0.findings),
                                    process: mask($0.process), result: mask($0.result), contact: mask($0.contact),
                                    attitude: mask($0.requesterAttitude), visit: Text.visit($0.visitKind),
                                    visitedAt: $0.visitedAt.map(Text.time) ?? "", visitedBy: $0.visitedBy, waiver: $0.photoWaiver.map(mask),
                                    late: o.replyLate == true)
        }
        let dispatchable = allUnits.filter { $0.isDispatchable && ![.village, .community].contains($0.unitKind) }
        // A dispatcher looking at an order that can still be merged sees its likely duplicates (重复诉求).
        let duplicates = actor.has(.dispatcher) && DuplicatesController.mergeableStates.contains(o.state)
            ? try await DuplicatesController.suggestions(req, for: o, actor: actor) : nil
        var view = OrderPageView(
            id: o.id.uuidString, row: OrderRowView(o, units: units, now: req.now, rules: lifecycle.rules), content: mask(o.content),
            requesterName: Masking.name(o.requesterName), requesterPhone: PhoneNumber.masked(o.requesterPhone),
            canReveal: revealed, requestType: Text.requestType(o.requestType), channel: o.channel.rawValue,
            category: category, leadUnit: units[o.leadUnitID],
            assisting: o.assistingUnitIDs.isEmpty ? nil : o.assistingUnitIDs.compactMap { units[$0] }.joined(separator: "、"),
            fields: fields, reply: reply,
            photos: photos.map { .init(id: $0.id.uuidString, tag: $0.tag == "before" ? "办理前" : $0.tag == "after" ? "办理后" : "过程") },
            events: events.reversed().map { .init(time: Text.time($0.at), label: Text.event($0.kind), actor: $0.actorName, note: mask($0.note)) },
            actions: actions(for: o, actor: actor, lifecycle: lifecycle, now: req.now), form: form,
            units: dispatchable.map { .init(value: $0.id!.uuidString, label: $0.name, selected: $0.id == suggested) },
            subUnits: allUnits.filter { actor.scope.contains($0.id!) && $0.id != actor.unitID && $0.id != o.leadUnitID }
                .map { .init(value: $0.id!.uuidString, label: $0.name, selected: false) },
            suggestedUnit: units[suggested], workstationPhone: workstationPhone)
        view.duplicates = duplicates
        if view.actions.dispatch?.open == true { view.dispatchSuggestions = try await DispatchSuggestions.views(req, for: o).items }
        view.signRule = "须在派单后\(Text.duration(lifecycle.rules.signWindow))内签收。"
        view.returnRule = "只退不属于本单位职责的工单，须在派单后\(Text.duration(lifecycle.rules.returnWindow))内申请；写明应由哪个单位负责及依据。"
        return view
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        let actor = try req.actor
        let order = try await OrdersController.visibleOrder(req, actor: actor)
        return try await Web.render(req, "order", title: "工单 \(order.number)", active: "", try await view(req, order, actor: actor))
    }

    @Sendable static func printView(_ req: Request) async throws -> Response {
        let actor = try req.actor
        let order = try await OrdersController.visibleOrder(req, actor: actor)
        let page = Page(layout: try await Web.layout(req, title: "工单 \(order.number)", active: ""), page: try await view(req, order, actor: actor))
        return try await req.view.render("print", page).encodeResponse(for: req)
    }

    @Sendable static func reveal(_ req: Request) async throws -> Response {
        let actor = try req.actor
        let order = try await OrdersController.visibleOrder(req, actor: actor)
        // The purpose the form states (`RevealPurpose`); none records the default.
        let f = OrderForms.form(req)
        let purpose: String
        do {
            purpose = try RevealPurpose.resolve(f["purpose"], note: f["purposeNote"])
        } catch let error as DomainError {
            return try await Web.render(req, "order", title: "工单 \(order.number)", active: "", error: error.message,
                                        status: .unprocessableEntity, try await view(req, order, actor: actor))
        }
        let requester = try await PersonalData.reveal(req, order, actor: actor, purpose: purpose)
        var page = try await view(req, order, actor: actor)
        page.requesterName = requester.name
        page.requesterPhone = requester.phone
        page.canReveal = false
        return try await Web.render(req, "order", title: "工单 \(order.number)", active: "", page)
    }
}
