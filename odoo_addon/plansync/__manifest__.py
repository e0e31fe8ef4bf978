# Copyright 2026 PlanSync
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "PlanSync",
    "summary": "Transactional outbox for planning, WMS and sales channels, " "claimed by the PlanSync agent",
    "version": "1.0.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "PlanSync",
    "website": "https://github.com/plansync/plansync",
    "depends": ["stock"],
    "data": [
        "security/plansync_security.xml",
        "security/ir.model.access.csv",
        "data/plansync_event_type_data.xml",
        "data/plansync_event_type_picking_data.xml",
        "data/plansync_cron.xml",
        "views/plansync_event_type_views.xml",
        "views/plansync_endpoint_views.xml",
        "views/plansync_outbox_views.xml",
        "views/plansync_agent_views.xml",
        "views/res_config_settings_views.xml",
        "views/menus.xml",
    ],
    "installable": True,
    "application": False,
}
