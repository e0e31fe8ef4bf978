# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The exception queue of the planning import (docs/planning.md).

A line that the import refuses becomes one open exception: the line as it was
received, its reason code and a sentence that names the field and the value.
A planner fixes the cause in Odoo (creates the product, the vendor terms, the
resupply route...) and presses Replay: the stored line goes through the same
import code again. Or dismisses it with a reason.
"""
from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.plansync import compat

# Reason codes of docs/contract.md (import_batch), in the order they are checked.
CODES = [
    ("invalid", "Invalid line"),
    ("duplicate_line", "Duplicate line"),
    ("stale_run", "Stale run"),
    ("unknown_warehouse", "Unknown warehouse"),
    ("unknown_sku", "Unknown SKU"),
    ("unknown_uom", "Unknown unit"),
    ("uom_incompatible", "Incompatible unit"),
    ("unknown_source_warehouse", "Unknown source warehouse"),
    ("unknown_vendor", "Unknown vendor"),
    ("vendor_without_terms", "Vendor without terms"),
    ("no_route", "No route"),
    ("out_of_bounds", "Out of bounds"),
]
CODE_VALUES = frozenset(code for code, _label in CODES)
# Codes of a line that resolves to a product and a warehouse but fails a
# business check: the proposal is created in state "exception" and linked.
PROPOSAL_CODES = frozenset(["vendor_without_terms", "no_route", "out_of_bounds"])

STATE_OPEN = "open"
STATE_RESOLVED = "resolved"
STATE_DISMISSED = "dismissed"
STATES = [
    (STATE_OPEN, "Open"),
    (STATE_RESOLVED, "Resolved"),
    (STATE_DISMISSED, "Dismissed"),
]
LINE_KINDS = [
    ("forecast", "Forecast"),
    ("purchase", "Purchase"),
    ("transfer", "Transfer"),
    ("parameter", "Parameter"),
]


class PlansyncException(models.Model):
    _name = "plansync.exception"
    _description = "PlanSync Import Exception"
    _inherit = ["mail.thread", "plansync.guarded", "plansync.parked"]
    _order = "id desc"

    run_id = fields.Many2one("plansync.run", required=True, readonly=True, index=True, ondelete="cascade")
    kind = fields.Selection([("forecast", "Forecast"), ("proposal", "Proposal")], required=True, readonly=True)
    line_kind = fields.Selection(LINE_KINDS, readonly=True)
    source = fields.Char(required=True, readonly=True, index=True)
    external_id = fields.Char(readonly=True, index=True)
    revision = fields.Integer(readonly=True, **compat.NOT_AGGREGATED)
    code = fields.Selection(CODES, required=True, readonly=True, index=True)
    message = fields.Text(readonly=True)
    payload = fields.Json(readonly=True, help="The line as it was received.")
    payload_text = fields.Text(compute="_compute_payload_text", string="Line (JSON)")
    sku = fields.Char(readonly=True, help="The line's sku, as received.")
    warehouse_code = fields.Char(readonly=True, help="The line's warehouse, as received.")
    state = fields.Selection(
        STATES,
        default=STATE_OPEN,
        readonly=True,
        required=True,
        index=True,
        copy=False,
    )
    proposal_id = fields.Many2one("plansync.proposal", readonly=True, index="btree_not_null", ondelete="set null")
    forecast_id = fields.Many2one("plansync.forecast", readonly=True, index="btree_not_null", ondelete="set null")
    resolution_note = fields.Text(readonly=True)
    resolved_by_id = fields.Many2one("res.users", readonly=True)
    resolved_at = fields.Datetime(readonly=True)
    replay_count = fields.Integer(readonly=True, default=0)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, ondelete="cascade")
    can_replay = fields.Boolean(compute="_compute_can")
    can_dismiss = fields.Boolean(compute="_compute_can")

    _protected_fields = frozenset(
        [
            "run_id",
            "kind",
            "line_kind",
            "source",
            "external_id",
            "revision",
            "code",
            "message",
            "payload",
            "sku",
            "warehouse_code",
            "state",
            "proposal_id",
            "forecast_id",
            "resolution_note",
            "resolved_by_id",
            "resolved_at",
            "replay_count",
            "company_id",
        ]
    )

    @api.depends("state")
    @api.depends_context("uid")
    def _compute_can(self):
        planner = self.env.user.has_group("plansync.group_plansync_user")
        for rec in self:
            rec.can_replay = planner and rec.state == STATE_OPEN
            rec.can_dismiss = planner and rec.state == STATE_OPEN

    @api.depends("code", "external_id")
    def _compute_display_name(self):
        labels = dict(self._fields["code"]._description_selection(self.env))
        for rec in self:
            rec.display_name = "%s: %s" % (
                labels.get(rec.code, rec.code or ""),
                rec.external_id or _("line without external id"),
            )

    def action_replay(self):
        """Run the stored line through the import again."""
        self._check_planner()
        if any(rec.state != STATE_OPEN for rec in self):
            raise UserError(_("Only open exceptions can be replayed."))
        done = self.browse()
        for rec in self.sudo():
            if rec.proposal_id and rec.code in PROPOSAL_CODES:
                # the proposal exists: revalidating it is the replay
                rec.proposal_id._revalidate()
            else:
                self.env["plansync.import"].sudo()._import(rec.run_id, [rec.payload], replay=rec)
            rec._edit().write({"replay_count": rec.replay_count + 1})
            if rec.state != STATE_OPEN:
                done |= rec
        still_open = self - done
        return self._replay_notification(
            still_open,
            _("The line was imported: the exception is resolved."),
            _("The line is still refused: %s") % self.message if len(self) == 1 else "",
            _("%(done)s of %(total)s exceptions resolved."),
        )

    def action_dismiss(self, reason=False):
        """Close without importing; the reason goes to the chatter."""
        self._check_planner()
        if not reason:
            return self._dismiss_wizard("plansync.exception.dismiss", "exception_ids")
        if any(rec.state != STATE_OPEN for rec in self):
            raise UserError(_("Only open exceptions can be dismissed."))
        self._close(STATE_DISMISSED, reason)
        return True

    # ------------------------------------------------------------------
    # internals
    # ------------------------------------------------------------------

    def _check_planner(self):
        self._check_group(
            "plansync.group_plansync_user",
            _("Only PlanSync users may replay or dismiss exceptions."),
        )

    def _close(self, state, note, proposal=None, forecast=None):
        """Resolve or dismiss open exceptions, with a note in the chatter."""
        records = self.filtered(lambda r: r.state == STATE_OPEN)
        if not records:
            return
        vals = {
            "state": state,
            "resolution_note": note or False,
            "resolved_by_id": self.env.uid,
            "resolved_at": fields.Datetime.now(),
        }
        if proposal:
            vals["proposal_id"] = proposal.id
        if forecast:
            vals["forecast_id"] = forecast.id
        records._edit().write(vals)
        label = _("Resolved") if state == STATE_RESOLVED else _("Dismissed")
        records._message_log_batch(
            {
                rec.id: _("%(label)s by %(user)s: %(note)s")
                % {"label": label, "user": self.env.user.name, "note": note or "-"}
                for rec in records
            }
        )
