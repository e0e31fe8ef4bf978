# Copyright 2026 PlanSync
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "PlanSync Planning",
    "summary": "Planning runs, forecasts, replenishment proposals, approval, execution "
    "and the planning events of the PlanSync outbox",
    "version": "1.0.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "PlanSync",
    "website": "https://github.com/plansync/plansync",
    "depends": ["plansync", "sale_stock", "purchase_stock"],
    "data": [
        "security/ir.model.access.csv",
        "security/plansync_planning_security.xml",
        "data/plansync_event_type_planning_data.xml",
        "data/plansync_event_type_proposal_data.xml",
        "data/plansync_proposal_kind_data.xml",
        "views/res_config_settings_views.xml",
        "views/product_category_views.xml",
        "views/plansync_proposal_views.xml",
        "views/plansync_exception_views.xml",
        "views/plansync_run_views.xml",
        "views/plansync_forecast_views.xml",
        "views/plansync_demand_report_views.xml",
        "views/plansync_approval_rule_views.xml",
        "wizards/plansync_proposal_reject_views.xml",
        "wizards/plansync_exception_dismiss_views.xml",
        "views/plansync_planning_menus.xml",
    ],
    "installable": True,
    "application": False,
}
