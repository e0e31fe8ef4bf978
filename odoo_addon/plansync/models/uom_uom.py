# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from .plansync_capture import UOM_FIELDS


class UomUom(models.Model):
    _inherit = "uom.uom"

    @api.model_create_multi
    def create(self, vals_list):
        uoms = super().create(vals_list)
        self.env["plansync.capture"]._capture_changed("uom.changed", uoms)
        return uoms

    def write(self, vals):
        res = super().write(vals)
        if UOM_FIELDS.intersection(vals):
            self.env["plansync.capture"]._capture_changed("uom.changed", self)
        return res

    def unlink(self):
        self.env["plansync.capture"]._capture_deleted("uom.deleted", self)
        return super().unlink()
