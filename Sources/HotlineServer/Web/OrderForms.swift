import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// The order page's forms. A refusal re-renders the page with the engine's message and the input kept.
enum OrderForms {
    /// Reads a `datetime-local` value ("2026-03-12T10:00"), which people enter in Dalad Banner's time.
    static func localDate(_ text: String?) -> Date? {
        guard let text, !text.isEmpty else { return nil }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = WorkCalendar.zone
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm"] {
            f.dateFormat = format
            if let d = f.date(from: text) { return d }
        }
        return nil
    }

    static func form(_ req: Request) -> [String: String] {
        (try? req.content.decode([String: String].self)) ?? [:]
    }

    @Sendable static func act(_ req: Request) async throws -> Response {
        let actor = try req.actor
        let id = try OrdersController.orderID(req)
        let name = req.parameters.get("action") ?? ""
        let f = form(req)
        do {
            if name == "merge" {
                let number = (f["leadNumber"] ?? "").trimmingCharacters(in: .whitespaces)
                guard let lead = try await req.orderService.orders.find(number: number) else { throw DomainError.notFound(what: "主工单\(number)") }
                try await req.orderService.merge(id, into: lead.id, by: actor, at: req.now)
                return Web.redirect("/orders/\(id)", ok: "已并入主工单\(number)")
            }
            // The same mapping from input to action as the API's (`ActionInput`).
            guard let actionName = ActionName(rawValue: name) else { throw DomainError.notFound(what: "操作") }
            let action = try ActionInput.decode(actionName, from: req).action(actionName)
            let order = try await req.orderService.perform(action, on: id, by: actor, at: req.now)
            let done: String
            switch action {
            case .review(let ok, _): done = ok ? "回复已审核通过" : "已退回修改"
            case .decideReturn(let ok, _, _, _): done = ok ? "已同意退单" : "已驳回退单"
            case .signOff(let ok, _): done = ok ? "已审签，回复已提交工作站" : "已退回受理员修改"
            case .decideExtension(let ok, _), .decideExplanation(let ok, _): done = ok ? "已同意" : "已驳回"
            default: done = "已\(action.label)"
            }
            return Web.redirect("/orders/\(order.id)", ok: done)
        } catch let error as DomainError {
            return try await refused(req, id: id, actor: actor, error: error, form: f)
        } catch let error as APIError where error.status == .unprocessableEntity || error.status == .badRequest {
            return try await refused(req, id: id, actor: actor, error: .invalidInput(field: "表单", reason: error.message), form: f)
        }
    }

    static func refused(_ req: Request, id: UUID, actor: Actor, error: DomainError, form: [String: String]) async throws -> Response {
        guard let order = try await req.orderService.orders.find(id), actor.canSee(order) else { throw error }
        let page = try await OrderPages.view(req, order, actor: actor, form: form)
        return try await Web.render(req, "order", title: "工单 \(order.number)", active: "", error: error.message, status: error.status, page)
    }

    struct ReplyForm: Content {
        var truthfulness: String?
        var findings: String?
        var process: String?
        var result: String?
        var contact: String?
        var requesterAttitude: String?
        var visitKind: String?
        var visitedAt: String?
        var visitedBy: String?
        var photoWaiver: String?
        var before: [File]?
        var after: [File]?
        var keptBefore: String?
        var keptAfter: String?
    }

    /// The final reply with its photos taken on the phone: photos are stored first, then the reply is submitted.
    @Sendable static func reply(_ req: Request) async throws -> Response {
        let actor = try req.actor
        let id = try OrdersController.orderID(req)
        let input = try req.content.decode(ReplyForm.self)
        var kept: [String: String] = [
            "truthfulness": input.truthfulness ?? "", "findings": input.findings ?? "", "process": input.process ?? "",
            "result": input.result ?? "", "contact": input.contact ?? "", "requesterAttitude": input.requesterAttitude ?? "",
            "visitKind": input.visitKind ?? "", "visitedAt": input.visitedAt ?? "", "visitedBy": input.visitedBy ?? "",
            "photoWaiver": input.photoWaiver ?? "", "keptBefore": input.keptBefore ?? "", "keptAfter": input.keptAfter ?? "",
        ]
        do {
            guard let order = try await req.orderService.orders.find(id), actor.canSee(order) else { throw DomainError.notFound(what: "工单") }
            guard actor.actsForLeadUnit(of: order), order.state == .handling else {
                _ = try req.orderService.lifecycle.decide(.submitReply(Reply(truthfulness: .verified, findings: "", process: "", result: "",
                    contact: "", requesterAttitude: "", visitKind: .handleOnSite, visitedAt: nil, visitedBy: "")), on: order, by: actor, at: req.now)
                throw DomainError.forbidden(action: "回复")
            }
            // Photos from an earlier, refused attempt come back as ids, so a phone need not take them again.
            func ids(_ text: String?) -> [UUID] { (text ?? "").split(separator: ",").compactMap { UUID(uuidString: String($0)) } }
            var before = ids(input.keptBefore), after = ids(input.keptAfter)
            try await PhotoRepository(database: req.db).requireUsable(before + after, for: order, by: actor)
            func images(_ files: [File]?) throws -> [[UInt8]] {
                try (files ?? []).filter { $0.data.readableBytes > 0 }.map { file in
                    let bytes = Array(file.data.readableBytesView)
                    guard bytes.count <= PhotosController.maxBytes, ImageInfo.read(bytes) != nil else {
                        throw DomainError.invalidInput(field: "照片", reason: "“\(file.filename)”不是10MB以内的 JPEG、PNG 或 WebP 照片")
                    }
                    return bytes
                }
            }
            // Every new file is checked before any is stored; then they are kept whatever the reply's fate.
            let newBefore = try images(input.before), newAfter = try images(input.after)
            for bytes in newBefore { before.append(try await PhotoIntake.store(req, bytes: bytes, order: order, tag: "before", actor: actor).id) }
            for bytes in newAfter { after.append(try await PhotoIntake.store(req, bytes: bytes, order: order, tag: "after", actor: actor).id) }
            kept["keptBefore"] = before.map(\.uuidString).joined(separator: ",")
            kept["keptAfter"] = after.map(\.uuidString).joined(separator: ",")
            kept["keptCount"] = before.isEmpty && after.isEmpty ? "" : "已保留办理前照片\(before.count)张、办理后照片\(after.count)张，无须重新拍摄。"
            let reply = Reply(
                truthfulness: input.truthfulness.flatMap(Truthfulness.init(rawValue:)) ?? .verified,
                findings: input.findings ?? "", process: input.process ?? "", result: input.result ?? "", contact: input.contact ?? "",
                requesterAttitude: input.requesterAttitude ?? "", visitKind: input.visitKind.flatMap(VisitKind.init(rawValue:)) ?? .handleOnSite,
                visitedAt: localDate(input.visitedAt), visitedBy: input.visitedBy ?? "",
                beforePhotoIDs: before, afterPhotoIDs: after, photoWaiver: input.photoWaiver)
            let warnings = try await ReplyQuality.submit(req, reply, to: order, by: actor).findings
            // Warnings do not stop the reply; they go with the confirmation so the handler still reads them.
            let done = warnings.isEmpty ? "回复已提交，等待工作站审核"
                : "回复已提交，等待工作站审核。请注意：" + warnings.map(\.message).joined(separator: " ")
            return Web.redirect("/orders/\(id)", ok: done)
        } catch let refusal as ReplyRefusal {
            guard let order = try await req.orderService.orders.find(id) else { throw refusal }
            var page = try await OrderPages.view(req, order, actor: actor, form: kept)
            page.replyCheck = OrderPageView.ReplyCheck(findings: refusal.findings, text: replyText(kept))
            return try await Web.render(req, "order", title: "工单 \(order.number)", active: "", error: refusal.message,
                                        status: .unprocessableEntity, page)
        } catch let error as DomainError {
            return try await refused(req, id: id, actor: actor, error: error, form: kept)
        } catch let error as APIError {
            return try await refused(req, id: id, actor: actor, error: .invalidInput(field: "照片", reason: error.message), form: kept)
        }
    }

    /// The typed reply as one text, for the side-by-side view of a batch-reply finding.
    static func replyText(_ form: [String: String]) -> String {
        ["findings", "process", "result", "contact", "requesterAttitude"].map { form[$0] ?? "" }.joined(separator: "\n")
    }

    /// The dispatcher's form for an order taken by phone or received on paper.
    @Sendable static func newForm(_ req: Request) async throws -> Response {
        let actor = try req.actor
        guard actor.has(.dispatcher) else { throw DomainError.forbidden(action: "登记工单") }
        return try await Web.render(req, "new", title: "登记工单", active: "new", try await newPage(req, form: [:]))
    }

    struct NewPage: Encodable {
        var form: [String: String]
        var categories: [ListPage.Option]
        var types: [ListPage.Option]
        var urgencies: [ListPage.Option]
        var lines: [ListPage.Option]
    }

    static func newPage(_ req: Request, form: [String: String]) async throws -> NewPage {
        NewPage(
            form: form,
            categories: try await CategoryModel.query(on: req.db).sort(\.$sortOrder).all()
                .map { .init(value: $0.id!.uuidString, label: $0.name, selected: form["categoryId"] == $0.id!.uuidString) },
            types: RequestType.allCases.map { .init(value: $0.rawValue, label: Text.requestType($0), selected: form["requestType"] == $0.rawValue) },
            urgencies: Urgency.allCases.map { .init(value: $0.rawValue, label: Text.urgency($0), selected: form["urgency"] == $0.rawValue) },
            lines: SpecialLine.allCases.map { .init(value: $0.rawValue, label: $0 == .none ? "无" : Text.line($0), selected: form["specialLine"] == $0.rawValue) })
    }

    @Sendable static func create(_ req: Request) async throws -> Response {
        let actor = try req.actor
        let f = form(req)
        do {
            let input = CreateOrderInput(
                number: f["number"] ?? "", channel: .phone, requesterName: f["requesterName"] ?? "", requesterPhone: f["requesterPhone"] ?? "",
                requestType: f["requestType"].flatMap(RequestType.init(rawValue:)) ?? .help,
                categoryId: f["categoryId"].flatMap(UUID.init(uuidString:)), title: f["title"] ?? "", content: f["content"] ?? "",
                address: f["address"] ?? "", urgency: f["urgency"].flatMap(Urgency.init(rawValue:)),
                specialLine: f["specialLine"].flatMap(SpecialLine.init(rawValue:)))
            let order = try await req.orderService.receive(try input.order(receivedAt: req.now), by: actor, at: req.now)
            // 登记并并单: the call-taker chose a likely duplicate while typing (issue 15 §3).
            if let lead = f["mergeInto"].flatMap(UUID.init(uuidString:)) { return try await DispatchController.mergeNewOrder(req, order, into: lead, by: actor) }
            return Web.redirect("/orders/\(order.id)", ok: "工单已登记，请派单")
        } catch let error as DomainError {
            return try await Web.render(req, "new", title: "登记工单", active: "new", error: error.message, status: error.status,
                                        try await newPage(req, form: f))
        } catch let error as APIError {
            return try await Web.render(req, "new", title: "登记工单", active: "new", error: error.message, status: error.status,
                                        try await newPage(req, form: f))
        }
    }
}

/// Photo checks and storage shared by the API and the web forms.
enum PhotoIntake {
    static func store(_ req: Request, bytes: [UInt8], order: WorkOrder, tag: String, actor: Actor) async throws -> PhotoRecord {
        guard bytes.count <= PhotosController.maxBytes else {
            throw APIError(status: .payloadTooLarge, code: "payload_too_large", message: "照片不能超过10MB。")
        }
        guard let info = ImageInfo.read(bytes) else {
            throw APIError(status: .unsupportedMediaType, code: "unsupported_image", message: "只能上传 JPEG、PNG 或 WebP 格式的照片。")
        }
        let id = UUID()
        let record = PhotoRecord(id: id, orderId: order.id, uploadedBy: actor.userID, unitId: actor.unitID,
                                 contentType: info.contentType, byteSize: bytes.count, width: info.width, height: info.height,
                                 tag: tag, storageKey: "\(id.uuidString.lowercased()).\(info.format.rawValue)", createdAt: req.now)
        try await req.application.photoStorage.put(record.storageKey, Data(bytes))
        try await PhotoRepository(database: req.db).insert(record)
        return record
    }
}
