# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models, tools


class PlansyncDemandReport(models.Model):
    """Forecast beside actual demand, per product, warehouse and period.

    Forecast: the quantity of the newest run's forecast (active revisions) for
    each product, warehouse, granularity and period. Actual: done customer
    deliveries net of customer returns (stock.move, in the product's unit),
    summed per week (from Monday) and per month of the day the move was done
    in the timezone of the warehouse's company (as demand.line).
    Rows of both granularities exist: filter on one.
    """

    _name = "plansync.demand.report"
    _description = "PlanSync Forecast vs Actual Demand"
    _auto = False
    _order = "period_start desc, product_id, warehouse_id"
    _rec_name = "product_id"

    product_id = fields.Many2one("product.product", readonly=True)
    categ_id = fields.Many2one("product.category", string="Product Category", readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    granularity = fields.Selection([("week", "Week"), ("month", "Month")], readonly=True)
    period_start = fields.Date(readonly=True)
    forecast_quantity = fields.Float(string="Forecast", readonly=True)
    actual_quantity = fields.Float(string="Actual", readonly=True)
    difference = fields.Float(string="Actual - Forecast", readonly=True, help="Actual demand minus the forecast.")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            """
            CREATE OR REPLACE VIEW plansync_demand_report AS (
            WITH forecast AS (
                SELECT DISTINCT ON (f.product_id, f.warehouse_id, f.granularity, f.period_start)
                       f.product_id, f.warehouse_id, f.company_id, f.granularity,
                       f.period_start, f.quantity
                  FROM plansync_forecast f
                  LEFT JOIN plansync_run r ON r.id = f.run_id
                 WHERE f.active
                 ORDER BY f.product_id, f.warehouse_id, f.granularity, f.period_start,
                          r.generated_at DESC NULLS LAST, f.id DESC
            ),
            moves AS (
                SELECT m.product_id,
                       CASE WHEN ls.usage = 'internal' THEN ls.warehouse_id
                            ELSE ld.warehouse_id END AS warehouse_id,
                       m.company_id,
                       m.date,
                       CASE WHEN ld.usage = 'customer' THEN m.product_qty
                            ELSE -m.product_qty END AS quantity
                  FROM stock_move m
                  JOIN stock_location ls ON ls.id = m.location_id
                  JOIN stock_location ld ON ld.id = m.location_dest_id
                 WHERE m.state = 'done'
                   AND ((ls.usage = 'internal' AND ld.usage = 'customer')
                        OR (ls.usage = 'customer' AND ld.usage = 'internal'))
            ),
            zones AS (
                -- the timezone of each warehouse's company (UTC when none or unknown)
                SELECT w.id AS warehouse_id, COALESCE(z.name, 'UTC') AS tz
                  FROM stock_warehouse w
                  JOIN res_company c ON c.id = w.company_id
                  JOIN res_partner p ON p.id = c.partner_id
                  LEFT JOIN pg_timezone_names z ON z.name = p.tz
            ),
            demand AS (
                SELECT mv.product_id, mv.warehouse_id, mv.company_id, mv.quantity,
                       ((mv.date AT TIME ZONE 'UTC') AT TIME ZONE zn.tz)::date AS date
                  FROM moves mv
                  JOIN zones zn ON zn.warehouse_id = mv.warehouse_id
            ),
            actual AS (
                SELECT product_id, warehouse_id, company_id, 'week' AS granularity,
                       date_trunc('week', date)::date AS period_start, quantity
                  FROM demand WHERE warehouse_id IS NOT NULL
                UNION ALL
                SELECT product_id, warehouse_id, company_id, 'month' AS granularity,
                       date_trunc('month', date)::date AS period_start, quantity
                  FROM demand WHERE warehouse_id IS NOT NULL
            ),
            rows AS (
                SELECT product_id, warehouse_id, company_id, granularity, period_start,
                       quantity AS forecast_quantity, 0.0 AS actual_quantity
                  FROM forecast
                UNION ALL
                SELECT product_id, warehouse_id, company_id, granularity, period_start,
                       0.0, quantity
                  FROM actual
            )
            SELECT row_number() OVER (ORDER BY r.period_start, r.product_id,
                                      r.warehouse_id, r.granularity) AS id,
                   r.product_id, t.categ_id, r.warehouse_id, w.company_id, r.granularity,
                   r.period_start,
                   SUM(r.forecast_quantity) AS forecast_quantity,
                   SUM(r.actual_quantity) AS actual_quantity,
                   SUM(r.actual_quantity) - SUM(r.forecast_quantity) AS difference
              FROM rows r
              JOIN stock_warehouse w ON w.id = r.warehouse_id
              JOIN product_product p ON p.id = r.product_id
              JOIN product_template t ON t.id = p.product_tmpl_id
             GROUP BY r.product_id, t.categ_id, r.warehouse_id, w.company_id,
                      r.granularity, r.period_start
            )
            """
        )
