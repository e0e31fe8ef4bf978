# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What PlanSync's queues of parked input share (planning exceptions, WMS
messages): the stored input shown as JSON, the rights check of the people who
replay or dismiss, the dismiss wizard and the notification after a replay."""
import json

from odoo import _, api, models
from odoo.exceptions import AccessError

from .. import compat


class PlansyncParked(models.AbstractModel):
    _name = "plansync.parked"
    _description = "PlanSync Parked Input"

    @api.depends("payload")
    def _compute_payload_text(self):
        for rec in self:
            rec.payload_text = (
                json.dumps(rec.payload, indent=2, sort_keys=True, ensure_ascii=False)
                if rec.payload is not None and rec.payload is not False
                else ""
            )

    def _check_group(self, group, message):
        """Members of ``group`` (or the superuser) with write access, else AccessError(message)."""
        if not self.env.su and not self.env.user.has_group(group):
            raise AccessError(message)
        compat.check_access(self, "write")

    def _dismiss_wizard(self, wizard, field):
        """The wizard that asks for the reason of a dismissal."""
        return {
            "type": "ir.actions.act_window",
            "res_model": wizard,
            "view_mode": "form",
            "target": "new",
            "context": {"default_%s" % field: self.ids},
        }

    def _replay_notification(self, still, one_done, one_still, many):
        """The notification after a replay of ``self``: ``still`` are those
        still refused; ``many`` is formatted with done and total."""
        if len(self) == 1:
            message = one_still if still else one_done
        else:
            message = many % {"done": len(self) - len(still), "total": len(self)}
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": "warning" if still else "success",
                "sticky": False,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
