# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""WMS -> Odoo: the idempotent message log and exception queue (docs/contract.md,
``plansync.wms.message.receive``).

Every message is stored once per (endpoint, message_id) before it is applied.
Confirmations validate their picking through Odoo's own validation; balances
run the reconciliation of ``plansync.discrepancy``. A message that cannot be
applied stays in state exception with a reason code and a sentence naming the
field and the value; stock is untouched. A manager fixes the cause and presses
Replay (same message, same code) or dismisses it with a reason.
"""
import json
import math
from collections import OrderedDict, defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare, float_is_zero, float_round, mute_logger

from odoo.addons.plansync.tools import MAX_MAGNITUDE, bounded_number, check_str, parse_generated_at, show, storable
from odoo.addons.plansync import compat

MAX_MESSAGES = 500

STATE_APPLIED = "applied"
STATE_EXCEPTION = "exception"
STATE_DISMISSED = "dismissed"
STATES = [
    (STATE_APPLIED, "Applied"),
    (STATE_EXCEPTION, "Exception"),
    (STATE_DISMISSED, "Dismissed"),
]
TYPE_RECEIPT = "receipt_confirmed"
TYPE_SHIPMENT = "shipment_confirmed"
TYPE_BALANCE = "balance"
TYPES = [
    (TYPE_RECEIPT, "Receipt confirmed"),
    (TYPE_SHIPMENT, "Shipment confirmed"),
    (TYPE_BALANCE, "Balance"),
]
# picking type code that each confirmation applies to
PICKING_CODES = {TYPE_RECEIPT: "incoming", TYPE_SHIPMENT: "outgoing"}
# Reason codes of docs/contract.md (receive).
CODES = [
    ("invalid", "Invalid message"),
    ("unknown_sku", "Unknown SKU"),
    ("unknown_location", "Unknown location"),
    ("unknown_picking", "Unknown picking"),
    ("unknown_warehouse", "Unknown warehouse"),
    ("picking_not_open", "Picking not open"),
    ("over_delivery", "Over delivery"),
    ("negative_quantity", "Negative quantity"),
    ("uom_mismatch", "Unit mismatch"),
    ("lot_required", "Lot required"),
    ("unknown_lot", "Unknown lot"),
]
VALIDATE_CONTEXT = {
    # no backorder wizard: a partial quantity leaves a backorder (unless the
    # operation type says never); no SMS, expiry or reception report prompts
    "skip_backorder": True,
    "skip_sms": True,
    "skip_expired": True,
}


class WmsError(Exception):
    """A message that cannot be applied: reason code and sentence."""

    def __init__(self, code, detail):
        super().__init__(detail)
        self.code = code
        self.detail = detail


def is_number(value):
    """A finite int or float, not a bool (a huge int counts: bounded_number bounds it)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return isinstance(value, int) or math.isfinite(value)


@compat.table_constraints
class PlansyncWmsMessage(models.Model):
    _name = "plansync.wms.message"
    _description = "PlanSync WMS Message"
    _inherit = ["mail.thread", "plansync.guarded", "plansync.parked"]
    _order = "id desc"
    _rec_name = "message_id"

    endpoint_id = fields.Many2one("plansync.endpoint", required=True, readonly=True, index=True, ondelete="cascade")
    message_id = fields.Char(string="Message id", required=True, readonly=True)
    message_type = fields.Selection(TYPES, string="Type", readonly=True, index=True)
    state = fields.Selection(STATES, default=STATE_APPLIED, readonly=True, required=True, index=True, copy=False)
    code = fields.Selection(CODES, readonly=True, index=True)
    detail = fields.Text(readonly=True)
    payload = fields.Json(readonly=True, help="The message as it was received.")
    payload_text = fields.Text(compute="_compute_payload_text", string="Message (JSON)")
    result = fields.Json(readonly=True, help="The first result returned for the message.")
    picking_id = fields.Many2one("stock.picking", readonly=True, index="btree_not_null")
    backorder_ids = fields.Many2many(
        "stock.picking",
        "plansync_wms_message_backorder_rel",
        "message_id",
        "picking_id",
        string="Backorders",
        readonly=True,
    )
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True, index="btree_not_null")
    occurred_at = fields.Datetime(readonly=True, help="occurred_at or as_of of the message.")
    received_at = fields.Datetime(readonly=True)
    received_by_id = fields.Many2one("res.users", readonly=True, help="The integration user that sent the message.")
    applied_at = fields.Datetime(readonly=True)
    discrepancy_counts = fields.Json(readonly=True)
    replay_count = fields.Integer(readonly=True, default=0)
    resolution_note = fields.Text(readonly=True)
    resolved_by_id = fields.Many2one("res.users", readonly=True)
    resolved_at = fields.Datetime(readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, ondelete="cascade")
    can_replay = fields.Boolean(compute="_compute_can")
    can_dismiss = fields.Boolean(compute="_compute_can")

    _protected_fields = frozenset(
        [
            "endpoint_id",
            "message_id",
            "message_type",
            "state",
            "code",
            "detail",
            "payload",
            "result",
            "picking_id",
            "backorder_ids",
            "warehouse_id",
            "occurred_at",
            "received_at",
            "received_by_id",
            "applied_at",
            "discrepancy_counts",
            "replay_count",
            "resolution_note",
            "resolved_by_id",
            "resolved_at",
            "company_id",
        ]
    )

    _sql_constraints = [
        (
            "message_uniq",
            "unique(endpoint_id, message_id)",
            "This WMS message was received already.",
        ),
    ]

    @api.depends("state")
    @api.depends_context("uid")
    def _compute_can(self):
        manager = self.env.user.has_group("plansync.group_plansync_manager")
        for rec in self:
            rec.can_replay = manager and rec.state == STATE_EXCEPTION
            rec.can_dismiss = manager and rec.state == STATE_EXCEPTION

    def action_replay(self):
        """Run the stored message through the same code again."""
        self._check_manager()
        if any(rec.state != STATE_EXCEPTION for rec in self):
            raise UserError(_("Only WMS messages in exception can be replayed."))
        for rec in self:
            rec.sudo()._process()
            rec._edit().write({"replay_count": rec.replay_count + 1})
            if rec.state == STATE_APPLIED:
                rec._message_log(body=_("Replayed by %s: applied.") % self.env.user.name)
            else:
                rec._message_log(
                    body=_("Replayed by %(user)s: still refused: %(detail)s")
                    % {"user": self.env.user.name, "detail": rec.detail}
                )
        still = self.filtered(lambda r: r.state == STATE_EXCEPTION)
        return self._replay_notification(
            still,
            _("The message was applied."),
            _("The message is still refused: %s") % self.detail if len(self) == 1 else "",
            _("%(done)s of %(total)s messages applied."),
        )

    def action_dismiss(self, reason=False):
        """Close without applying; the reason goes to the chatter."""
        self._check_manager()
        if not reason or not str(reason).strip():
            return self._dismiss_wizard("plansync.wms.message.dismiss", "message_ids")
        if any(rec.state != STATE_EXCEPTION for rec in self):
            raise UserError(_("Only WMS messages in exception can be dismissed."))
        self._edit().write(
            {
                "state": STATE_DISMISSED,
                "resolution_note": reason,
                "resolved_by_id": self.env.uid,
                "resolved_at": fields.Datetime.now(),
            }
        )
        self._message_log_batch(
            {
                rec.id: _("Dismissed by %(user)s: %(reason)s") % {"user": self.env.user.name, "reason": reason}
                for rec in self
            }
        )
        return True

    def action_view_discrepancies(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("plansync_inventory.plansync_discrepancy_action")
        action["domain"] = [("message_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------
    # the contract
    # ------------------------------------------------------------------

    @api.model
    def receive(self, endpoint, messages):
        """Store and apply WMS messages (docs/contract.md). Returns one result
        per message, in order."""
        record = self.env["plansync.outbox"]._called_endpoint("plansync.wms.message.receive", endpoint, "wms")
        if not isinstance(messages, (list, tuple)) or len(messages) > MAX_MESSAGES:
            shown = "a list of %s messages" % len(messages) if isinstance(messages, (list, tuple)) else show(messages)
            raise ValidationError(
                _("messages must be a list of at most %(max)s objects, got %(value)s")
                % {"max": MAX_MESSAGES, "value": shown}
            )
        for index, message in enumerate(messages):
            if not isinstance(message, dict):
                raise ValidationError(
                    _("messages[%(index)s] must be an object, got %(value)s") % {"index": index, "value": show(message)}
                )
            check_str("messages[%s].message_id" % index, message.get("message_id"), 1, 128)
        return [self.sudo()._receive_one(record, message) for message in messages]

    # ------------------------------------------------------------------
    # internals
    # ------------------------------------------------------------------

    def _check_manager(self):
        self._check_group(
            "plansync.group_plansync_manager",
            _("Only PlanSync managers may replay or dismiss WMS messages."),
        )

    @api.model
    def _receive_one(self, endpoint, message):
        """Insert the message once (ON CONFLICT DO NOTHING: a concurrent
        duplicate fails with a serialization error and is retried, then sees
        the first one), then apply it."""
        cr = self.env.cr
        now = fields.Datetime.now()
        kind = message.get("type")
        self.env.flush_all()
        cr.execute(
            """
            INSERT INTO plansync_wms_message (
                endpoint_id, message_id, message_type, state, payload, received_at,
                received_by_id, company_id, replay_count,
                create_uid, create_date, write_uid, write_date)
            VALUES (%(endpoint)s, %(message_id)s, %(type)s, %(state)s, %(payload)s, %(now)s,
                    %(uid)s, %(company)s, 0, %(uid)s, %(now)s, %(uid)s, %(now)s)
            ON CONFLICT (endpoint_id, message_id) DO NOTHING
            RETURNING id
            """,
            {
                "endpoint": endpoint.id,
                "message_id": message["message_id"],
                "type": kind if isinstance(kind, str) and kind in dict(TYPES) else None,
                "state": STATE_EXCEPTION,
                "payload": json.dumps(storable(message)),
                "now": now,
                "uid": self.env.uid,
                "company": endpoint.company_id.id,
            },
        )
        row = cr.fetchone()
        if not row:
            first = self.search(
                [("endpoint_id", "=", endpoint.id), ("message_id", "=", message["message_id"])],
                limit=1,
            )
            return dict(first.result or first._result(), status="duplicate")
        rec = self.browse(row[0])
        rec._process()
        result = rec._result()
        rec._edit().write({"result": result})
        return result

    def _result(self):
        self.ensure_one()
        return {
            "message_id": self.message_id,
            "status": "applied" if self.state == STATE_APPLIED else "exception",
            "code": self.code or False,
            "detail": self.detail or "",
            "record_id": self.id,
            "discrepancies": self.discrepancy_counts or False,
        }

    def _process(self):
        """Apply the stored message; a refusal leaves stock untouched."""
        self.ensure_one()
        rec = self._edit()
        cr = self.env.cr
        vals = {"code": False, "detail": False}
        try:
            with cr.savepoint():
                outcome = rec._apply(self.payload if isinstance(self.payload, dict) else {})
        except WmsError as err:
            self.env.invalidate_all(flush=False)
            vals.update(state=STATE_EXCEPTION, code=err.code, detail=err.detail)
        except (UserError, ValidationError) as err:
            self.env.invalidate_all(flush=False)
            vals.update(
                state=STATE_EXCEPTION,
                code="invalid",
                detail=_("Odoo refused the message: %s") % (err.args[0] if err.args else err),
            )
        else:
            vals.update(outcome)
            if vals.get("code"):
                vals["state"] = STATE_EXCEPTION
            else:
                vals.update(state=STATE_APPLIED, applied_at=fields.Datetime.now())
                if not vals.get("detail"):
                    vals["detail"] = _("Applied.")
        name = isinstance(self.payload, dict) and self.payload.get("picking")
        if vals.get("state") == STATE_EXCEPTION and isinstance(name, str) and name:
            # rolled back with the rest: link the picking for the person who looks
            vals["picking_id"] = self._picking(name).id
        rec.write(vals)

    def _apply(self, message):
        """-> vals of the message record; raises WmsError (rolled back)."""
        kind = message.get("type")
        if isinstance(kind, str) and kind in PICKING_CODES:
            return self._apply_confirmation(message)
        if kind == TYPE_BALANCE:
            return self._apply_balance(message)
        raise WmsError(
            "invalid",
            _("type must be 'receipt_confirmed', 'shipment_confirmed' or 'balance', got %s") % show(kind),
        )

    # -- references ----------------------------------------------------

    def _company_warehouses(self):
        endpoint = self.endpoint_id
        if endpoint.warehouse_ids:
            return endpoint.warehouse_ids.filtered(lambda w: w.company_id == endpoint.company_id)
        return self.env["stock.warehouse"].search([("company_id", "=", endpoint.company_id.id)])

    def _picking(self, name):
        return self.env["stock.picking"].search(
            [
                ("name", "=", name),
                ("company_id", "=", self.endpoint_id.company_id.id),
                ("picking_type_id.warehouse_id", "in", self._company_warehouses().ids),
            ],
            limit=1,
        )

    def _product(self, field, sku):
        if not isinstance(sku, str) or not sku:
            raise WmsError(
                "invalid", _("%(field)s must be a string, got %(value)s") % {"field": field, "value": show(sku)}
            )
        company = self.endpoint_id.company_id
        Product = self.env["product.product"].with_context(active_test=False)
        product = Product.search(
            [("default_code", "=", sku), ("company_id", "in", [False, company.id])],
            order="active desc, id",
            limit=1,
        )
        if not product and sku.startswith("product.product:") and sku[16:].isdigit():
            # the sku of a product without Internal Reference (plansync.render._sku)
            product = (
                Product.browse(int(sku[16:]))
                .exists()
                .filtered(lambda p: not p.default_code and p.company_id in (company, p.company_id.browse()))
            )
        if not product:
            raise WmsError(
                "unknown_sku",
                _("%(field)s %(value)s is not the Internal Reference of a product of %(company)s")
                % {"field": field, "value": show(sku), "company": company.name},
            )
        return product

    def _quantity(self, field, value):
        if not is_number(value):
            raise WmsError(
                "invalid", _("%(field)s must be a number, got %(value)s") % {"field": field, "value": show(value)}
            )
        if value < 0:
            raise WmsError(
                "negative_quantity",
                _("%(field)s must not be negative, got %(value)s") % {"field": field, "value": show(value)},
            )
        if not bounded_number(value):
            # 1e308 or a huge integer would overflow the unit conversion and fail the whole call
            raise WmsError(
                "invalid",
                _("%(field)s must be a number from 0 to %(max)g, got %(value)s")
                % {"field": field, "max": MAX_MAGNITUDE, "value": show(value)},
            )
        return float(value)

    def _uom(self, field, name, product):
        if name is None or name is False:
            return product.uom_id
        uom = False
        if isinstance(name, str) and name:
            Uom = self.env["uom.uom"]
            uom = Uom.with_context(lang="en_US").search([("name", "=", name)], limit=1) or Uom.search(
                [("name", "=", name)], limit=1
            )
        if not uom:
            raise WmsError(
                "uom_mismatch",
                _("%(field)s %(value)s is not the name of a unit of measure") % {"field": field, "value": show(name)},
            )
        if not compat.same_unit_family(uom, product.uom_id):
            raise WmsError(
                "uom_mismatch",
                _(
                    "%(field)s %(value)s (%(cat)s) cannot be converted to %(puom)s, the unit of "
                    "sku %(sku)s (%(pcat)s)"
                )
                % {
                    "field": field,
                    "value": show(name),
                    "cat": compat.unit_family(uom).name,
                    "puom": product.uom_id.name,
                    "sku": show(product.default_code),
                    "pcat": compat.unit_family(product.uom_id).name,
                },
            )
        return uom

    def _to_product_uom(self, quantity, uom, product):
        if uom != product.uom_id:
            quantity = uom._compute_quantity(quantity, product.uom_id, round=False)
        return float_round(quantity, precision_rounding=product.uom_id.rounding or 0.01)

    def _occurred_at(self, message, key):
        value = message.get(key)
        if value is None:
            return False
        parsed = parse_generated_at(value) if value is not False else None
        if not parsed:
            raise WmsError(
                "invalid", _("%(key)s must be an ISO 8601 UTC time, got %(value)s") % {"key": key, "value": show(value)}
            )
        return parsed

    @staticmethod
    def _list(message, key, allow_empty=False):
        value = message.get(key)
        if not isinstance(value, list) or (not value and not allow_empty):
            raise WmsError(
                "invalid",
                _("%(key)s must be a %(what)slist of objects, got %(value)s")
                % {"key": key, "what": "" if allow_empty else _("non-empty "), "value": show(value)},
            )
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                raise WmsError(
                    "invalid",
                    _("%(key)s[%(index)s] must be an object, got %(value)s")
                    % {"key": key, "index": index, "value": show(item)},
                )
        return value

    # -- confirmations --------------------------------------------------

    def _apply_confirmation(self, message):
        kind = message["type"]
        occurred_at = self._occurred_at(message, "occurred_at")
        name = message.get("picking")
        if not isinstance(name, str) or not name:
            raise WmsError("invalid", _("picking must be a picking name, got %s") % show(name))
        picking = self._picking(name)
        if not picking:
            raise WmsError(
                "unknown_picking",
                _("picking %(value)s is not a transfer of the warehouses of endpoint %(code)s")
                % {"value": show(name), "code": self.endpoint_id.code},
            )
        self._edit().write(
            {
                "picking_id": picking.id,
                "occurred_at": occurred_at,
                "warehouse_id": picking.picking_type_id.warehouse_id.id,
            }
        )
        # one validation at a time per picking: a concurrent one fails and is retried
        self.env.flush_all()
        with mute_logger("odoo.sql_db"):
            self.env.cr.execute("SELECT id FROM stock_picking WHERE id = %s FOR UPDATE NOWAIT", (picking.id,))
        picking.invalidate_recordset()
        if picking.state in ("done", "cancel"):
            raise WmsError(
                "picking_not_open",
                _("picking %(value)s is %(state)s already") % {"value": show(name), "state": picking.state},
            )
        if picking.picking_type_code != PICKING_CODES[kind]:
            raise WmsError(
                "invalid",
                _("type %(type)s does not apply to picking %(value)s (%(code)s)")
                % {"type": show(kind), "value": show(name), "code": picking.picking_type_code},
            )
        moves = picking.move_ids.filtered(lambda m: m.state not in ("done", "cancel"))
        done = self._confirmed_quantities(message, picking, moves)
        self._set_done(picking, moves, done)
        picking.with_context(**VALIDATE_CONTEXT).button_validate()
        if picking.state != "done":
            raise WmsError(
                "invalid",
                _("Odoo did not validate picking %(value)s (state %(state)s)")
                % {"value": show(name), "state": picking.state},
            )
        backorders = picking.backorder_ids
        picking.message_post(
            body=_("Validated from WMS message %(message)s of endpoint %(endpoint)s, " "received from %(user)s.")
            % {
                "message": self.message_id,
                "endpoint": self.endpoint_id.code,
                "user": self.received_by_id.name or self.env.user.name,
            }
        )
        detail = _("Picking %s validated.") % picking.name
        if backorders:
            detail += " " + _("Backorder: %s.") % ", ".join(backorders.mapped("name"))
        return {"backorder_ids": [(6, 0, backorders.ids)], "detail": detail}

    def _confirmed_quantities(self, message, picking, moves):
        """{product: {"quantity": q, "lots": [(name, q), ...]}} in the product's
        unit, checked against the picking's open moves."""
        lines = self._list(message, "lines")
        done = OrderedDict()
        for index, line in enumerate(lines):
            field = "lines[%s]" % index
            product = self._product(field + ".sku", line.get("sku"))
            quantity = self._quantity(field + ".quantity", line.get("quantity"))
            uom = self._uom(field + ".uom", line.get("uom"), product)
            entry = done.setdefault(product, {"quantity": 0.0, "lots": []})
            entry["quantity"] += self._to_product_uom(quantity, uom, product)
            lots = line.get("lots")
            if product.tracking == "none":
                if lots:
                    raise WmsError(
                        "invalid",
                        _("%(field)s.lots: sku %(sku)s is not tracked by lots, got %(value)s")
                        % {"field": field, "sku": show(line["sku"]), "value": show(lots)},
                    )
                continue
            if not quantity:
                continue
            if not isinstance(lots, list) or not lots:
                raise WmsError(
                    "lot_required",
                    _("%(field)s.lots is required: sku %(sku)s is tracked by %(tracking)s, got %(value)s")
                    % {"field": field, "sku": show(line["sku"]), "tracking": product.tracking, "value": show(lots)},
                )
            total = 0.0
            for lot_index, lot in enumerate(lots):
                lot_field = "%s.lots[%s]" % (field, lot_index)
                lot_name = lot.get("name") if isinstance(lot, dict) else None
                if not isinstance(lot_name, str) or not lot_name.strip():
                    raise WmsError(
                        "lot_required",
                        _("%(field)s.name must be a lot name, got %(value)s")
                        % {"field": lot_field, "value": show(lot)},
                    )
                lot_qty = self._to_product_uom(
                    self._quantity(lot_field + ".quantity", lot.get("quantity")), uom, product
                )
                if product.tracking == "serial" and float_compare(
                    lot_qty, 1.0, precision_rounding=product.uom_id.rounding
                ):
                    raise WmsError(
                        "invalid",
                        _("%(field)s.quantity must be 1 for serial number %(lot)s, got %(value)s")
                        % {"field": lot_field, "lot": show(lot_name), "value": show(lot.get("quantity"))},
                    )
                total += lot_qty
                entry["lots"].append((lot_name, lot_qty))
            if float_compare(
                total, self._to_product_uom(quantity, uom, product), precision_rounding=product.uom_id.rounding
            ):
                raise WmsError(
                    "invalid",
                    _("%(field)s.lots add up to %(total)s, not the quantity %(quantity)s")
                    % {"field": field, "total": total, "quantity": show(quantity)},
                )
        if all(float_is_zero(e["quantity"], precision_rounding=p.uom_id.rounding) for p, e in done.items()):
            raise WmsError("invalid", _("lines: every quantity is 0, nothing was confirmed"))
        for product, entry in done.items():
            demand = sum(m.product_qty for m in moves if m.product_id == product)
            if float_compare(entry["quantity"], demand, precision_rounding=product.uom_id.rounding) > 0:
                raise WmsError(
                    "over_delivery",
                    _("sku %(sku)s: %(done)s %(uom)s confirmed, picking %(picking)s expects %(demand)s")
                    % {
                        "sku": show(product.default_code or product.display_name),
                        "done": entry["quantity"],
                        "uom": product.uom_id.name,
                        "picking": picking.name,
                        "demand": demand,
                    },
                )
        return done

    def _lot(self, product, lot_name, picking):
        """(lot, lot_name) of a confirmed lot; raises unknown_lot."""
        lot = self.env["stock.lot"].search(
            [
                ("product_id", "=", product.id),
                ("name", "=", lot_name),
                ("company_id", "in", [False, picking.company_id.id]),
            ],
            limit=1,
        )
        if lot:
            return lot, False
        if picking.picking_type_id.use_create_lots and picking.picking_type_code == "incoming":
            return lot, lot_name
        raise WmsError(
            "unknown_lot",
            _("lot %(lot)s of sku %(sku)s does not exist in Odoo")
            % {"lot": show(lot_name), "sku": show(product.default_code)},
        )

    def _set_done(self, picking, moves, done):
        """Done quantities on the moves (moves of other products: not picked,
        they go to the backorder)."""
        for product, entry in done.items():
            product_moves = moves.filtered(lambda m, p=product: m.product_id == p)
            rounding = product.uom_id.rounding
            if product.tracking == "none":
                remaining = entry["quantity"]
                for move in product_moves:
                    qty = min(remaining, move.product_qty)
                    remaining -= qty
                    move.quantity = product.uom_id._compute_quantity(qty, move.product_uom)
                    move.picked = not float_is_zero(qty, precision_rounding=rounding)
                continue
            pieces = [[name, qty] for name, qty in entry["lots"]]
            resolved = {name: self._lot(product, name, picking) for name, _q in pieces}
            product_moves.move_line_ids.unlink()
            vals_list = []
            for move in product_moves:
                room = move.product_qty
                while pieces and not float_is_zero(room, precision_rounding=rounding):
                    name, qty = pieces[0]
                    take = min(qty, room)
                    lot, new_name = resolved[name]
                    vals_list.append(self._move_line_vals(move, lot, new_name, take))
                    room -= take
                    pieces[0][1] -= take
                    if float_is_zero(pieces[0][1], precision_rounding=rounding):
                        pieces.pop(0)
            self.env["stock.move.line"].create(vals_list)
            for move in product_moves:
                move.picked = bool(move.move_line_ids)
        other = moves.filtered(lambda m: m.product_id not in done)
        other.picked = False

    def _move_line_vals(self, move, lot, lot_name, quantity):
        location = move.location_id
        if lot and move.location_id.usage == "internal":
            quant = self.env["stock.quant"].search(
                [
                    ("product_id", "=", move.product_id.id),
                    ("lot_id", "=", lot.id),
                    ("location_id", "child_of", move.location_id.id),
                    ("quantity", ">", 0),
                ],
                order="quantity desc, id",
                limit=1,
            )
            location = quant.location_id or location
        return {
            "move_id": move.id,
            "picking_id": move.picking_id.id,
            "product_id": move.product_id.id,
            "product_uom_id": move.product_id.uom_id.id,
            "quantity": quantity,
            "location_id": location.id,
            "location_dest_id": move.location_dest_id.id,
            "lot_id": lot.id or False,
            "lot_name": lot_name or False,
            "picked": True,
            "company_id": move.company_id.id,
        }

    # -- balances ---------------------------------------------------------

    def _apply_balance(self, message):
        as_of = self._occurred_at(message, "as_of")
        if not as_of:
            raise WmsError("invalid", _("as_of must be an ISO 8601 UTC time, got %s") % show(message.get("as_of")))
        code = message.get("warehouse")
        warehouse = self._company_warehouses().filtered(lambda w: w.code == code)[:1]
        if not isinstance(code, str) or not warehouse:
            raise WmsError(
                "unknown_warehouse",
                _("warehouse %(value)s is not the code of a warehouse of endpoint %(code)s")
                % {"value": show(code), "code": self.endpoint_id.code},
            )
        complete = message.get("complete")
        if not isinstance(complete, bool):
            raise WmsError("invalid", _("complete must be true or false, got %s") % show(complete))
        self._edit().write({"warehouse_id": warehouse.id, "occurred_at": as_of})
        balances = self._list(message, "balances", allow_empty=True)
        Location = self.env["stock.location"]
        internal = Location.search([("id", "child_of", warehouse.view_location_id.id), ("usage", "=", "internal")])
        wms = defaultdict(float)
        errors = []
        skip = set()  # pairs named by a refused line: not counted as 0
        for index, line in enumerate(balances):
            field = "balances[%s]" % index
            product = location = False
            try:
                product = self._product(field + ".sku", line.get("sku"))
                location = self._location(field + ".location", line.get("location"), internal, warehouse)
                if not compat.is_storable(product):
                    raise WmsError(
                        "unknown_sku",
                        _("%(field)s %(value)s is not a storable product")
                        % {"field": field + ".sku", "value": show(line.get("sku"))},
                    )
                quantity = self._quantity(field + ".quantity", line.get("quantity"))
                uom = self._uom(field + ".uom", line.get("uom"), product)
            except WmsError as err:
                errors.append(err)
                if product and location:
                    skip.add((product.id, location.id))
                continue
            wms[(product.id, location.id)] += self._to_product_uom(quantity, uom, product)
        odoo = defaultdict(float)
        domain = [("location_id", "in", internal.ids)] + compat.storable_domain("product_id.")
        if not complete:
            domain.append(("product_id", "in", list({p for p, _l in wms})))
        for product, location, quantity in self.env["stock.quant"]._read_group(
            domain, ["product_id", "location_id"], ["quantity:sum"]
        ):
            odoo[(product.id, location.id)] = quantity or 0.0
        pairs = [k for k in wms]
        if complete:
            pairs += [k for k, q in odoo.items() if k not in wms and k not in skip and q]
        Product = self.env["product.product"].with_context(active_test=False)
        entries = [
            (Product.browse(p), Location.browse(loc), odoo.get((p, loc), 0.0), wms.get((p, loc), 0.0))
            for p, loc in pairs
        ]
        counts = self.env["plansync.discrepancy"]._reconcile(self.endpoint_id, "wms", warehouse, entries, message=self)
        vals = {"discrepancy_counts": counts}
        if errors:
            vals["code"] = errors[0].code
            vals["detail"] = _("%(bad)s of %(total)s lines refused, the others reconciled: %(list)s") % {
                "bad": len(errors),
                "total": len(balances),
                "list": "; ".join("%s (%s)" % (e.detail, e.code) for e in errors),
            }
        else:
            vals["detail"] = _(
                "%(total)s lines reconciled: %(opened)s opened, %(updated)s updated, "
                "%(resolved)s resolved, %(within)s within tolerance."
            ) % dict(total=len(entries), within=counts["within_tolerance"], **counts)
        return vals

    def _location(self, field, value, internal, warehouse):
        if not isinstance(value, str) or not value:
            raise WmsError(
                "invalid", _("%(field)s must be a string, got %(value)s") % {"field": field, "value": show(value)}
            )
        location = (
            internal.filtered(lambda l: l.complete_name == value)[:1]
            or internal.filtered(lambda l: l.barcode == value)[:1]
        )
        if not location:
            raise WmsError(
                "unknown_location",
                _("%(field)s %(value)s is not the full name or barcode of an internal location " "of warehouse %(wh)s")
                % {"field": field, "value": show(value), "wh": warehouse.code},
            )
        return location
