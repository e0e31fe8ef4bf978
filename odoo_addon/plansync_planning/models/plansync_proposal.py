# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Replenishment proposals imported from the planning platform (docs/planning.md).

Transitions live in the action_* methods only: each locks the rows it changes
(``SELECT ... FOR UPDATE NOWAIT``), checks the state and the user's right in the
same transaction, writes, posts who/when/which rule/note to the chatter and
captures ``proposal.decided`` / ``proposal.executed`` for the outbox.
"""
import logging
from datetime import datetime, time

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import mute_logger

from odoo.addons.plansync import compat
from .plansync_exception import CODES

_logger = logging.getLogger(__name__)

STATE_NEW = "new"
STATE_EXCEPTION = "exception"
STATE_TO_APPROVE = "to_approve"
STATE_APPROVED = "approved"
STATE_DONE = "done"
STATE_REJECTED = "rejected"
STATE_CANCELLED = "cancelled"
STATE_SUPERSEDED = "superseded"
STATES = [
    (STATE_NEW, "New"),
    (STATE_EXCEPTION, "Exception"),
    (STATE_TO_APPROVE, "To Approve"),
    (STATE_APPROVED, "Approved"),
    (STATE_DONE, "Done"),
    (STATE_REJECTED, "Rejected"),
    (STATE_CANCELLED, "Cancelled"),
    (STATE_SUPERSEDED, "Superseded"),
]
# Open proposals: a newer revision or a newer run supersedes them.
OPEN_STATES = (STATE_NEW, STATE_EXCEPTION, STATE_TO_APPROVE)
# "The last approved quantity" of the approval rules.
APPROVED_STATES = (STATE_APPROVED, STATE_DONE)
KINDS = [
    ("purchase", "Purchase"),
    ("transfer", "Transfer"),
    ("parameter", "Parameter"),
]
# the embedded planner's demand classes (explanation.demand_class)
DEMAND_CLASSES = [
    ("smooth", "Smooth"),
    ("erratic", "Erratic"),
    ("intermittent", "Intermittent"),
    ("lumpy", "Lumpy"),
    ("none", "No demand"),
]
DECISIONS = [
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("cancelled", "Cancelled"),
]

EXECUTE_PARAM = "plansync.execute_on_approval"


@compat.table_constraints
class PlansyncProposal(models.Model):
    _name = "plansync.proposal"
    _description = "PlanSync Replenishment Proposal"
    _inherit = ["mail.thread", "mail.activity.mixin", "plansync.guarded"]
    _edit_context = {"tracking_disable": True}
    _order = "id desc"
    _rec_names_search = ["external_id", "product_id"]

    kind = fields.Selection(KINDS, required=True, readonly=True, index=True)
    product_id = fields.Many2one("product.product", required=True, readonly=True, index=True, ondelete="restrict")
    categ_id = fields.Many2one(related="product_id.categ_id", string="Product Category")
    warehouse_id = fields.Many2one("stock.warehouse", required=True, readonly=True, index=True, ondelete="restrict")
    vendor_id = fields.Many2one("res.partner", string="Vendor", readonly=True, index="btree_not_null")
    supplierinfo_id = fields.Many2one("product.supplierinfo", string="Vendor terms", readonly=True, ondelete="set null")
    source_warehouse_id = fields.Many2one(
        "stock.warehouse", string="Source warehouse", readonly=True, ondelete="restrict"
    )
    route_id = fields.Many2one("stock.route", string="Resupply route", readonly=True, ondelete="set null")
    quantity_received = fields.Float(
        readonly=True,
        digits="Product Unit of Measure",
        help="The quantity as the planning platform sent it, converted to the product's unit.",
    )
    received_uom_id = fields.Many2one("uom.uom", string="Unit sent", readonly=True, ondelete="set null")
    quantity = fields.Float(
        readonly=True,
        digits="Product Unit of Measure",
        help="The quantity to order or move, after rounding to the vendor's minimum and "
        "purchase packaging, in the product's unit.",
    )
    uom_id = fields.Many2one("uom.uom", string="Unit", readonly=True, ondelete="restrict")
    rounding_note = fields.Char(readonly=True)
    order_by = fields.Date(readonly=True)
    need_by = fields.Date(readonly=True)
    value = fields.Monetary(readonly=True, currency_field="currency_id")
    currency_id = fields.Many2one("res.currency", readonly=True)
    # explanation: what the planner sees (plain floats: a decimal precision
    # lookup per value and field costs more than the rest of the import)
    forecast_over_lead_time = fields.Float(readonly=True)
    safety_stock = fields.Float(readonly=True)
    on_hand = fields.Float(readonly=True)
    on_order = fields.Float(readonly=True)
    lead_time_days = fields.Float(readonly=True)
    service_level = fields.Float(readonly=True)
    reason = fields.Text(readonly=True, string="Explanation")
    demand_class = fields.Selection(
        DEMAND_CLASSES,
        string="Demand class",
        readonly=True,
        help="The embedded planner's class of the demand series: smooth, erratic "
        "(variable sizes), intermittent (many weeks without demand), lumpy (both), none.",
    )
    forecast_method = fields.Char(
        string="Forecast method", readonly=True, help="The forecasting method the planner chose."
    )
    planner_flags = fields.Char(
        string="Planner flags",
        readonly=True,
        help="What the planner asks a person to look at (no history, outliers capped, "
        "stockout weeks...), comma-separated.",
    )
    # parameter proposals: the reordering rule's new values
    parameter_min_qty = fields.Float(string="Min quantity", readonly=True)
    parameter_max_qty = fields.Float(string="Max quantity", readonly=True)
    parameter_safety_stock = fields.Float(string="Safety stock (parameter)", readonly=True)
    payload = fields.Json(readonly=True, help="The line as it was received.")
    # integration
    run_id = fields.Many2one("plansync.run", readonly=True, index="btree_not_null", ondelete="cascade")
    source = fields.Char(required=True, readonly=True, index=True)
    external_id = fields.Char(required=True, readonly=True, index=True)
    revision = fields.Integer(required=True, readonly=True, default=1, **compat.NOT_AGGREGATED)
    # decision
    rule_id = fields.Many2one("plansync.approval.rule", string="Approval rule", readonly=True, ondelete="set null")
    requires_manager = fields.Boolean(readonly=True)
    decision = fields.Selection(DECISIONS, readonly=True, copy=False)
    decided_by_id = fields.Many2one("res.users", string="Decided by", readonly=True, copy=False)
    decided_at = fields.Datetime(readonly=True, copy=False)
    decision_note = fields.Text(readonly=True, copy=False)
    # execution
    executed_at = fields.Datetime(readonly=True, copy=False)
    executed_by_id = fields.Many2one("res.users", string="Executed by", readonly=True, copy=False)
    execution_error = fields.Text(readonly=True, copy=False)
    purchase_line_ids = fields.Many2many("purchase.order.line", string="Purchase lines", readonly=True, copy=False)
    purchase_order_ids = fields.Many2many(
        "purchase.order", string="Purchase orders", compute="_compute_orders", compute_sudo=True
    )
    picking_ids = fields.Many2many("stock.picking", string="Transfers", readonly=True, copy=False)
    orderpoint_id = fields.Many2one("stock.warehouse.orderpoint", string="Reordering rule", readonly=True, copy=False)
    purchase_order_count = fields.Integer(compute="_compute_orders", compute_sudo=True)
    picking_count = fields.Integer(compute="_compute_orders", compute_sudo=True)
    state = fields.Selection(
        STATES,
        default=STATE_NEW,
        readonly=True,
        required=True,
        index=True,
        copy=False,
    )
    exception_code = fields.Selection(CODES, readonly=True, copy=False)
    exception_message = fields.Text(readonly=True, copy=False)
    exception_ids = fields.One2many("plansync.exception", "proposal_id", readonly=True)
    superseded_by_id = fields.Many2one("plansync.proposal", readonly=True, copy=False)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    can_approve = fields.Boolean(compute="_compute_can")
    can_reject = fields.Boolean(compute="_compute_can")
    can_execute = fields.Boolean(compute="_compute_can")
    can_revalidate = fields.Boolean(compute="_compute_can")
    can_cancel = fields.Boolean(compute="_compute_can")

    _sql_constraints = [
        (
            "external_uniq",
            "unique(source, external_id, revision)",
            "A proposal of this source, external id and revision exists already.",
        ),
    ]

    _protected_fields = frozenset(
        [
            "kind",
            "product_id",
            "warehouse_id",
            "vendor_id",
            "supplierinfo_id",
            "source_warehouse_id",
            "route_id",
            "quantity_received",
            "received_uom_id",
            "quantity",
            "uom_id",
            "rounding_note",
            "order_by",
            "need_by",
            "value",
            "currency_id",
            "forecast_over_lead_time",
            "safety_stock",
            "on_hand",
            "on_order",
            "lead_time_days",
            "service_level",
            "reason",
            "demand_class",
            "forecast_method",
            "planner_flags",
            "parameter_min_qty",
            "parameter_max_qty",
            "parameter_safety_stock",
            "payload",
            "run_id",
            "source",
            "external_id",
            "revision",
            "rule_id",
            "requires_manager",
            "decision",
            "decided_by_id",
            "decided_at",
            "decision_note",
            "executed_at",
            "executed_by_id",
            "execution_error",
            "purchase_line_ids",
            "picking_ids",
            "orderpoint_id",
            "state",
            "exception_code",
            "exception_message",
            "exception_ids",
            "superseded_by_id",
            "company_id",
        ]
    )

    def init(self):
        # the approval rules' "last approved quantity" and the supersede search
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS plansync_proposal_pwk_idx
                ON plansync_proposal (product_id, warehouse_id, kind, state)
            """
        )

    @api.depends("purchase_line_ids", "picking_ids")
    def _compute_orders(self):
        # counting is harmless: a planner without purchase or stock rights
        # sees the counts, the records stay behind their own access rules
        for rec in self:
            orders = rec.sudo().purchase_line_ids.order_id
            rec.purchase_order_ids = orders.ids
            rec.purchase_order_count = len(orders)
            rec.picking_count = len(rec.sudo().picking_ids)

    @api.depends("state", "requires_manager")
    @api.depends_context("uid")
    def _compute_can(self):
        user = self.env.user
        planner = user.has_group("plansync.group_plansync_user")
        manager = user.has_group("plansync.group_plansync_manager")
        for rec in self:
            may_decide = manager or (planner and not rec.requires_manager)
            rec.can_approve = may_decide and rec.state == STATE_TO_APPROVE
            rec.can_reject = may_decide and rec.state in (
                STATE_EXCEPTION,
                STATE_TO_APPROVE,
                STATE_APPROVED,
            )
            rec.can_cancel = manager and rec.state in (
                STATE_NEW,
                STATE_EXCEPTION,
                STATE_TO_APPROVE,
                STATE_APPROVED,
            )
            rec.can_execute = planner and rec.state == STATE_APPROVED
            rec.can_revalidate = planner and rec.state == STATE_EXCEPTION

    @api.depends("source", "external_id", "revision")
    def _compute_display_name(self):
        for rec in self:
            name = "%s:%s" % (rec.source or "", rec.external_id or "")
            if rec.revision and rec.revision > 1:
                name += " r%s" % rec.revision
            rec.display_name = name

    # ------------------------------------------------------------------
    # transitions
    # ------------------------------------------------------------------

    def action_approve(self):
        """to_approve -> approved (and executed when the setting says so)."""
        proposals = self._lock_for(_("approve"))
        proposals._check_state((STATE_TO_APPROVE,), _("approve"))
        proposals._check_decision_right()
        proposals._decide("approved", STATE_APPROVED, False)
        if self._execute_on_approval():
            # the decision stands even when the execution fails: the error is
            # on the proposal and its chatter, Execute tries again
            proposals._execute(raise_errors=False)
        return True

    def action_reject(self, note=False):
        """Rejected with a note: the wizard asks for it when none is given."""
        if not note:
            return self._open_decision_wizard("reject")
        proposals = self._lock_for(_("reject"))
        proposals._check_state((STATE_EXCEPTION, STATE_TO_APPROVE, STATE_APPROVED), _("reject"))
        proposals._check_decision_right()
        proposals._decide("rejected", STATE_REJECTED, note)
        return True

    def action_cancel(self, note=False):
        """Withdrawn by a manager (before execution)."""
        proposals = self._lock_for(_("cancel"))
        if not self.env.su and not self.env.user.has_group("plansync.group_plansync_manager"):
            raise AccessError(_("Only PlanSync managers may cancel proposals."))
        proposals._check_state((STATE_NEW, STATE_EXCEPTION, STATE_TO_APPROVE, STATE_APPROVED), _("cancel"))
        proposals._decide("cancelled", STATE_CANCELLED, note)
        return True

    def action_execute(self):
        """approved -> done through Odoo's procurement. Done proposals are
        skipped: executing twice creates nothing more."""
        proposals = self._lock_for(_("execute"))
        self._check_planner()
        pending = proposals.filtered(lambda p: p.state != STATE_DONE)
        pending._check_state((STATE_APPROVED,), _("execute"))
        pending._execute(raise_errors=len(pending) == 1)
        return True

    def action_revalidate(self):
        """exception -> to_approve/approved when the business checks now pass."""
        proposals = self._lock_for(_("revalidate"))
        self._check_planner()
        proposals._check_state((STATE_EXCEPTION,), _("revalidate"))
        proposals._revalidate()
        return True

    def action_view_purchase_orders(self):
        self.ensure_one()
        return self._open_records("purchase.order", self.purchase_order_ids, _("Purchase Orders"))

    def action_view_pickings(self):
        self.ensure_one()
        return self._open_records("stock.picking", self.picking_ids, _("Transfers"))

    # ------------------------------------------------------------------
    # internals: rights, locks, decisions
    # ------------------------------------------------------------------

    def _check_planner(self):
        if not self.env.su and not self.env.user.has_group("plansync.group_plansync_user"):
            raise AccessError(_("Only PlanSync users may act on proposals."))
        compat.check_access(self, "write")

    def _check_decision_right(self):
        """Planners decide what the rule leaves to planners; proposals whose
        rule requires a manager only a PlanSync manager."""
        self._check_planner()
        if self.env.su or self.env.user.has_group("plansync.group_plansync_manager"):
            return
        reserved = self.filtered("requires_manager")
        if reserved:
            raise AccessError(
                _("Only a PlanSync manager may decide %(names)s (rule: %(rules)s).")
                % {
                    "names": ", ".join(reserved.mapped("display_name")),
                    "rules": ", ".join(reserved.rule_id.mapped("name")) or "-",
                }
            )

    def _check_state(self, states, verb):
        wrong = self.filtered(lambda p: p.state not in states)
        if wrong:
            labels = dict(STATES)
            raise UserError(
                _("Cannot %(verb)s %(names)s: state %(states)s.")
                % {
                    "verb": verb,
                    "names": ", ".join(wrong.mapped("display_name")),
                    "states": ", ".join(sorted({labels[s] for s in wrong.mapped("state")})),
                }
            )

    def _lock_for(self, verb):
        """Lock the rows (NOWAIT) and re-read them: the state checked next is
        the committed one. A row locked by another transaction raises
        LockNotAvailable, which Odoo's RPC and web layers retry."""
        if not self:
            raise UserError(_("Select at least one proposal to %s.") % verb)
        compat.check_access(self, "read")
        self.env.flush_all()
        with mute_logger("odoo.sql_db"):
            self.env.cr.execute(
                "SELECT id FROM plansync_proposal WHERE id = ANY(%s) ORDER BY id FOR UPDATE NOWAIT",
                (list(self.ids),),
            )
        self.invalidate_recordset()
        return self

    @api.model
    def _execute_on_approval(self):
        value = self.env["ir.config_parameter"].sudo().get_param(EXECUTE_PARAM, "True")
        return str(value).strip().lower() not in ("false", "0", "")

    def _decide(self, decision, state, note):
        """Write a user's decision, post it and capture ``proposal.decided``."""
        if not self:
            return
        self._edit().write(
            {
                "state": state,
                "decision": decision,
                "decided_by_id": self.env.uid,
                "decided_at": fields.Datetime.now(),
                "decision_note": note or False,
            }
        )
        label = dict(DECISIONS)[decision]
        self.sudo()._message_log_batch(
            {
                rec.id: _("%(decision)s by %(user)s (rule: %(rule)s)%(note)s")
                % {
                    "decision": label,
                    "user": self.env.user.name,
                    "rule": rec._rule_label(),
                    "note": (": %s" % note) if note else ".",
                }
                for rec in self
            }
        )
        self._capture("proposal.decided")

    def _rule_label(self):
        self.ensure_one()
        return self.rule_id.name or _("none: a planner approves")

    def _capture(self, event_type):
        capture = self.env["plansync.capture"]
        if not self or not capture._is_subscribed(event_type):
            return
        capture._record(
            (
                event_type,
                self._name,
                rec.id,
                rec.warehouse_id.id,
                rec.company_id.id,
                "",
                None,
            )
            for rec in self.sudo()
        )

    def _open_decision_wizard(self, mode):
        self._check_planner()
        return {
            "type": "ir.actions.act_window",
            "name": _("Reject Proposals"),
            "res_model": "plansync.proposal.reject",
            "view_mode": "form",
            "target": "new",
            "context": {"default_proposal_ids": self.ids, "default_mode": mode},
        }

    def _open_records(self, model, records, name):
        action = {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "domain": [("id", "in", records.ids)],
            "view_mode": compat.view_modes("list", "form"),
        }
        if len(records) == 1:
            action.update({"view_mode": "form", "res_id": records.id})
        return action

    def _revalidate(self):
        """Re-run the business checks of proposals in exception with today's
        data; those that pass resolve their exceptions and go through the
        approval rules again."""
        self.env["plansync.import"].sudo()._revalidate(self.sudo())

    # ------------------------------------------------------------------
    # execution through Odoo's procurement
    # ------------------------------------------------------------------

    def _execute(self, raise_errors=True):
        """Execute approved proposals, already locked by the caller.

        Purchases and transfers go through one procurement run (``compat.run_procurements``),
        so that ``_run_buy`` groups them into one draft RFQ per vendor (its
        PO domain: vendor, picking type, company, buyer) and reuses an existing
        draft RFQ of that vendor. When the batch fails, each proposal is run
        alone in a savepoint and the failures are posted on their chatter.
        """
        proposals = self.sudo().filtered(lambda p: p.state == STATE_APPROVED)
        if not proposals:
            return self.browse()
        done = self.browse()
        cr = self.env.cr
        for company in proposals.company_id:
            batch = proposals.filtered(lambda p, c=company: p.company_id == c).with_company(company)
            try:
                with cr.savepoint():
                    batch._execute_now()
                done |= batch
                continue
            except (UserError, ValueError) as exc:
                if raise_errors and len(batch) == 1:
                    raise UserError(
                        _("%(name)s could not be executed: %(error)s") % {"name": batch.display_name, "error": exc}
                    ) from exc
                if len(batch) == 1:
                    batch._execution_failed(exc)
                    continue
            self.env.invalidate_all()
            for proposal in batch:
                try:
                    with cr.savepoint():
                        proposal._execute_now()
                    done |= proposal
                except (UserError, ValueError) as exc:
                    self.env.invalidate_all()
                    proposal._execution_failed(exc)
        return done

    def _execution_failed(self, exc):
        message = str(exc.args[0] if getattr(exc, "args", None) else exc)
        self._edit().write({"execution_error": message})
        self._message_log_batch({rec.id: _("Execution failed: %s") % message for rec in self})
        _logger.info("PlanSync: %s could not be executed: %s", self.mapped("display_name"), message)

    def _execute_now(self):
        """Run the procurements, link what they made, mark done."""
        procurements = []
        links = []  # (proposal, kind, data)
        for proposal in self:
            if proposal.kind == "parameter":
                links.append((proposal, "parameter", proposal._apply_parameter()))
                continue
            procurement, data = proposal._procurement()
            procurements.append(procurement)
            links.append((proposal, proposal.kind, data))
        if procurements:
            compat.run_procurements(self.env, procurements)
        now = fields.Datetime.now()
        for proposal, kind, data in links:
            vals = {
                "state": STATE_DONE,
                "executed_at": now,
                "executed_by_id": self.env.uid,
                "execution_error": False,
            }
            if kind == "purchase":
                vals["purchase_line_ids"] = [(6, 0, proposal._find_purchase_lines(data).ids)]
            elif kind == "transfer":
                moves = (
                    self.env["stock.move"]
                    .sudo()
                    .search(
                        compat.moves_of_reference_domain(data["group"]) + [("product_id", "=", proposal.product_id.id)]
                    )
                )
                vals["picking_ids"] = [(6, 0, moves.picking_id.ids)]
            else:
                vals["orderpoint_id"] = data.id
            proposal._edit().write(vals)
        self._message_log_batch({rec.id: rec._execution_body() for rec in self})
        self._capture("proposal.executed")

    def _execution_body(self):
        self.ensure_one()
        orders = self._orders()
        return _("Executed by %(user)s: %(orders)s") % {
            "user": self.env.user.name,
            "orders": ", ".join(o["name"] for o in orders) or "-",
        }

    def _orders(self):
        """What the execution made or joined: [{"model", "id", "name"}]."""
        self.ensure_one()
        orders = [
            {"model": "purchase.order", "id": order.id, "name": order.name or ""}
            for order in self.purchase_line_ids.order_id
        ]
        orders += [
            {"model": "stock.picking", "id": picking.id, "name": picking.name or ""} for picking in self.picking_ids
        ]
        if self.orderpoint_id:
            orders.append(
                {
                    "model": "stock.warehouse.orderpoint",
                    "id": self.orderpoint_id.id,
                    "name": self.orderpoint_id.name or "",
                }
            )
        return orders

    def _origin_ref(self):
        self.ensure_one()
        if self.run_id:
            return "%s:%s" % (self.source, self.run_id.external_ref)
        return "%s:%s" % (self.source, self.external_id)

    def _date_planned(self, delay=0):
        self.ensure_one()
        if self.need_by:
            return datetime.combine(self.need_by, time(12, 0))
        now = fields.Datetime.now()
        if self.order_by:
            start = max(datetime.combine(self.order_by, time(12, 0)), now)
        else:
            start = now
        return start + relativedelta(days=int(delay or 0))

    def _procurement(self):
        """(Procurement, link data) of a purchase or transfer proposal."""
        self.ensure_one()
        warehouse = self.warehouse_id
        product = self.product_id
        company = self.company_id
        origin = self._origin_ref()
        if self.kind == "purchase":
            rule = warehouse.buy_pull_id
            if not rule or not rule.active:
                raise UserError(_("Warehouse %s has no active Buy rule.") % warehouse.display_name)
            supplier = self._supplier()
            values = {
                "warehouse_id": warehouse,
                "route_ids": rule.route_id,
                "company_id": company,
                "date_planned": self._date_planned(supplier.delay if supplier else 0),
                "supplierinfo_id": supplier,
                "supplierinfo_name": self.vendor_id,
                **compat.procurement_reference_values(False),
            }
            if self.order_by:
                values["date_order"] = max(datetime.combine(self.order_by, time(12, 0)), fields.Datetime.now())
            location = rule.location_dest_id or warehouse.lot_stock_id
            procurement = self._new_procurement(product, location, origin, company, values)
            return procurement, {"rule": rule, "values": values, "supplier": supplier}
        # transfer along the resupply route from the source warehouse
        route = self.route_id
        if not route or not route.active or route.supplier_wh_id != self.source_warehouse_id:
            route = warehouse.resupply_route_ids.filtered(
                lambda r: r.active and r.supplier_wh_id == self.source_warehouse_id
            )[:1]
        if not route:
            raise UserError(
                _("Warehouse %(wh)s has no resupply route from %(src)s.")
                % {"wh": warehouse.display_name, "src": self.source_warehouse_id.display_name}
            )
        rule = route.rule_ids.filtered(
            lambda r: r.action in ("pull", "pull_push") and r.location_dest_id.warehouse_id == warehouse
        )[:1]
        location = rule.location_dest_id or warehouse.lot_stock_id
        group = self._transfer_group(origin)
        values = {
            "warehouse_id": warehouse,
            "route_ids": route,
            "company_id": company,
            "date_planned": self._date_planned(),
            "date_deadline": self._date_planned() if self.need_by else False,
            **compat.procurement_reference_values(group),
        }
        procurement = self._new_procurement(product, location, origin, company, values)
        return procurement, {"group": group}

    def _new_procurement(self, product, location, origin, company, values):
        """The procurement of this proposal's quantity of ``product`` into ``location``."""
        return compat.new_procurement(
            self.env, product, self.quantity, product.uom_id, location, self.display_name, origin, company, values
        )

    def _transfer_group(self, origin):
        """One procurement group per run and pair of warehouses: the transfers
        of a run between two warehouses share their pickings."""
        name = "%s %s>%s" % (origin, self.source_warehouse_id.code, self.warehouse_id.code)
        return compat.shared_transfer_reference(self.env, name)

    def _supplier(self):
        """The vendor terms to order with: the ones chosen at import when
        they still exist, else the best current ones of the vendor."""
        self.ensure_one()
        info = self.supplierinfo_id
        if info.exists() and info.partner_id == self.vendor_id:
            return info
        product = self.product_id.with_company(self.company_id)
        info = product._select_seller(partner_id=self.vendor_id, quantity=self.quantity, uom_id=product.uom_id)
        if not info:
            info = product._prepare_sellers(False).filtered(
                lambda s: s.partner_id == self.vendor_id and (not s.company_id or s.company_id == self.company_id)
            )[:1]
        return info

    def _find_purchase_lines(self, data):
        """The RFQ line ``_run_buy`` made or joined: the first candidate line
        of the product in the draft RFQ that its PO domain finds."""
        self.ensure_one()
        rule, values, supplier = data["rule"], data["values"], data["supplier"]
        partner = values.get("supplier", supplier).partner_id or self.vendor_id
        domain = rule._make_po_get_domain(self.company_id, values, partner)
        order = self.env["purchase.order"].sudo().search(list(domain), limit=1)
        product = self.product_id
        lines = order.order_line.filtered(
            lambda l: not l.display_type
            and l.product_id == product
            and compat.line_uom(l) == compat.purchase_uom(product)
        )
        preferred = lines.filtered(lambda l: l.propagate_cancel == rule.propagate_cancel)
        return (preferred or lines)[:1]

    def _apply_parameter(self):
        """Create or update the product's reordering rule in the warehouse.

        Odoo's reordering rule has no safety stock of its own: its minimum is
        the level below which it replenishes. ``min_qty`` sets it; a proposal
        with a safety stock and no ``min_qty`` sets the minimum to the safety
        stock. An absent ``max_qty`` keeps the rule's maximum, raised to the
        minimum when lower.
        """
        self.ensure_one()
        parameter = (self.payload or {}).get("parameter") or {}
        location = self.warehouse_id.lot_stock_id
        Orderpoint = self.env["stock.warehouse.orderpoint"].sudo().with_context(active_test=False)
        orderpoint = Orderpoint.search(
            [
                ("product_id", "=", self.product_id.id),
                ("location_id", "=", location.id),
                ("company_id", "=", self.company_id.id),
            ],
            limit=1,
        )
        if "min_qty" in parameter:
            minimum = self.parameter_min_qty
        elif "safety_stock" in parameter:
            minimum = self.parameter_safety_stock
        else:
            minimum = orderpoint.product_min_qty if orderpoint else 0.0
        if "max_qty" in parameter:
            maximum = self.parameter_max_qty
        else:
            maximum = orderpoint.product_max_qty if orderpoint else 0.0
        maximum = max(maximum, minimum)
        vals = {"product_min_qty": minimum, "product_max_qty": maximum}
        if orderpoint:
            if not orderpoint.active:
                vals["active"] = True
            orderpoint.write(vals)
        else:
            vals.update(
                {
                    "product_id": self.product_id.id,
                    "warehouse_id": self.warehouse_id.id,
                    "location_id": location.id,
                    "company_id": self.company_id.id,
                }
            )
            orderpoint = Orderpoint.create(vals)
        return orderpoint
