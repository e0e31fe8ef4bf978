# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, models
from odoo.exceptions import AccessError

# Only code holding this object can put it in a context: an RPC caller cannot.
EDIT_SENTINEL = object()


class PlansyncGuarded(models.AbstractModel):
    """Records whose ``_protected_fields`` only PlanSync's own code changes
    (outbox rows, proposals, exceptions, forecasts): users and callers see
    them, actions and the contract methods change them through ``_edit()``.
    The key is per model, so that an edit context of one model never opens
    another's fields."""

    _name = "plansync.guarded"
    _description = "PlanSync record with fields only PlanSync changes"
    _protected_fields = frozenset()
    # context that ``_edit()`` adds besides the key (e.g. tracking_disable)
    _edit_context = {}

    def _edit_key(self):
        return "_plansync_edit:%s" % self._name

    def _can_edit(self):
        return self.env.context.get(self._edit_key()) is EDIT_SENTINEL

    def _edit(self):
        """Superuser recordset allowed to change the protected fields."""
        context = dict(self._edit_context, **{self._edit_key(): EDIT_SENTINEL})
        return self.sudo().with_context(**context)

    def write(self, vals):
        if not self._can_edit():
            protected = sorted(f for f in vals if f in self._protected_fields)
            if protected:
                raise AccessError(_("Not allowed to change field(s): %s") % ", ".join(protected))
        return super().write(vals)
