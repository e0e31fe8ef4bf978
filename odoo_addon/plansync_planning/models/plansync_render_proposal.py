# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Rendering of ``proposal.decided`` and ``proposal.executed`` (docs/events.md).

Both carry the proposal's whole state, so that coalescing a decision with its
execution loses nothing.
"""
from odoo import api, models

from odoo.addons.plansync.tools import iso_time


class PlansyncRender(models.AbstractModel):
    _inherit = "plansync.render"

    @api.model
    def _render_proposal_decided(self, endpoint, heads, now):
        return self._render_proposals(heads)

    @api.model
    def _render_proposal_executed(self, endpoint, heads, now):
        return self._render_proposals(heads)

    @api.model
    def _render_proposals(self, heads):
        found, results = self._browse_heads("plansync.proposal", heads)
        for head_id, proposal in found.items():
            key = "%s:%s" % (proposal.source or "", proposal.external_id or "")
            results[head_id] = (key, self._proposal_payload(proposal))
        return results

    @api.model
    def _proposal_payload(self, proposal):
        product = proposal.product_id
        warehouse = proposal.warehouse_id
        uom = proposal.uom_id or product.uom_id
        return {
            "id": proposal.id,
            "source": proposal.source or "",
            "external_id": proposal.external_id or "",
            "revision": int(proposal.revision or 1),
            "run": proposal.run_id.external_ref or False,
            "kind": proposal.kind,
            "product": {"id": product.id, "sku": self._sku(product)} if product else False,
            "warehouse": ({"id": warehouse.id, "code": warehouse.code or ""} if warehouse else False),
            "state": proposal.state,
            "quantity": float(proposal.quantity or 0.0),
            "uom": {"id": uom.id, "name": uom.name or ""} if uom else False,
            "decision": proposal.decision or False,
            "decided_by": proposal.decided_by_id.name or False,
            "decided_at": iso_time(proposal.decided_at),
            "rule": proposal.rule_id.name or False,
            "note": proposal.decision_note or False,
            "orders": proposal._orders(),
            "executed_at": iso_time(proposal.executed_at),
        }
