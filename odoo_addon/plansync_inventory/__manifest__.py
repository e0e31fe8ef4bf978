# Copyright 2026 PlanSync
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "PlanSync Inventory",
    "summary": "Availability definitions, channel allocation and mappings, WMS messages "
    "and stock reconciliation for the PlanSync outbox",
    "version": "1.0.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "PlanSync",
    "website": "https://github.com/plansync/plansync",
    "depends": ["plansync", "stock", "sale_stock"],
    "data": [
        "security/ir.model.access.csv",
        "security/plansync_wms_security.xml",
        "security/plansync_availability_security.xml",
        "views/plansync_availability_views.xml",
        "views/plansync_wms_views.xml",
        "views/plansync_discrepancy_views.xml",
        "wizards/plansync_wms_wizard_views.xml",
        "views/plansync_wms_menus.xml",
    ],
    "installable": True,
    "application": False,
}
