# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The one place that knows which Odoo version PlanSync runs on.

Odoo 17.0, 18.0 and 19.0 are supported. Everything that differs between them
(field names, product types, units of measure, procurement, groups, SQL
constraints, the XML dialect) is named here after what it means for PlanSync;
the rest of the addon calls these names and never tests the version.

Importing this package (``plansync/__init__.py`` does it first) refuses an
unsupported Odoo and installs the XML adapter (``compat/xml.py``) for the data
files of modules whose name starts with ``plansync``.
"""
import collections
import io
import logging

from odoo import release

_logger = logging.getLogger(__name__)

SUPPORTED_MAJORS = (17, 18, 19)
MAJOR = release.version_info[0]


def check_supported(major):
    """Raise when ``major`` is not a supported Odoo major version."""
    if major not in SUPPORTED_MAJORS:
        raise ImportError(
            "PlanSync supports Odoo %s; this is Odoo %s."
            % (", ".join("%s.0" % m for m in SUPPORTED_MAJORS), release.version)
        )


check_supported(MAJOR)

from . import xml as xml_dialect  # noqa: E402  (after the version check)

# ---------------------------------------------------------------- XML data files
ADAPTED_MODULE_PREFIX = "plansync"


def _install_xml_adapter():
    from lxml import etree
    from odoo.tools import convert

    original = convert.convert_xml_import
    if getattr(original, "_plansync_adapter", False):
        return

    def convert_xml_import(env, module, xmlfile, *args, **kwargs):
        if not module.startswith(ADAPTED_MODULE_PREFIX) or MAJOR == 18:
            return original(env, module, xmlfile, *args, **kwargs)
        name = xmlfile if isinstance(xmlfile, str) else getattr(xmlfile, "name", None)
        tree = etree.parse(xmlfile)
        xml_dialect.adapt(tree.getroot(), MAJOR)
        adapted = io.BytesIO(xml_dialect.serialize(tree.getroot()))
        adapted.name = name  # Odoo's messages and its pyjing fallback name the file
        return original(env, module, adapted, *args, **kwargs)

    convert_xml_import._plansync_adapter = True
    convert_xml_import.__wrapped__ = original
    convert.convert_xml_import = convert_xml_import


_install_xml_adapter()

# ---------------------------------------------------------------- views and actions
#: the view type of list views in actions built in Python ("list" since 18)
LIST_VIEW = "tree" if MAJOR == 17 else "list"


def view_modes(*modes):
    """``view_mode`` of an action: ``view_modes("list", "form")``."""
    return ",".join(LIST_VIEW if m == "list" else m for m in modes)


# ---------------------------------------------------------------- stock
#: context key that scopes product quantities to a warehouse
WAREHOUSE_CONTEXT = "warehouse" if MAJOR == 17 else "warehouse_id"


def create_returns(wizard):
    """Validate a ``stock.return.picking`` wizard: the action of the new return."""
    return wizard.create_returns() if MAJOR == 17 else wizard.action_create_returns()


# ---------------------------------------------------------------- models
#: field attribute that turns off aggregation in read_group (``fields.Integer(**NOT_AGGREGATED)``)
NOT_AGGREGATED = {"group_operator": False} if MAJOR == 17 else {"aggregator": False}


def table_constraints(cls):
    """Class decorator: ``_sql_constraints`` declared once, as in 17 and 18,
    become ``models.Constraint`` attributes in 19 (which ignores
    ``_sql_constraints`` with a warning, ``odoo/orm/model_classes.py``).

    19 collects ``models.Constraint`` through ``TableObject.__set_name__`` on the
    definition class; the decorator sets the attribute and calls it likewise.
    The database name stays ``<table>_<name>`` in every version.
    """
    if MAJOR < 19 or "_sql_constraints" not in cls.__dict__:
        return cls
    from odoo import models

    for name, definition, message in cls.__dict__["_sql_constraints"]:
        constraint = models.Constraint(definition, message)
        attribute = "_" + name
        setattr(cls, attribute, constraint)
        constraint.__set_name__(cls, attribute)
    delattr(cls, "_sql_constraints")
    return cls


def check_access(records, operation):
    """Raise AccessError unless the user may ``operation`` on ``records`` (model
    access and record rules): 18+ ``check_access``; 17 its two halves
    (18 deprecates ``check_access_rights``/``check_access_rule``, odoo/models.py)."""
    if MAJOR == 17:
        records.check_access_rights(operation)
        records.check_access_rule(operation)
    else:
        records.check_access(operation)


# ---------------------------------------------------------------- records
#: the id class of records that exist only in memory (onchanges, Form, ``new()``);
#: ``odoo.models.NewId`` up to 18, ``odoo.orm.identifiers.NewId`` in 19
if MAJOR < 19:
    from odoo.models import NewId  # noqa: E402
else:
    from odoo.orm.identifiers import NewId  # noqa: E402


def is_in_memory_id(value):
    """True when ``value`` is the id of a record that was never stored."""
    return isinstance(value, NewId)


# ---------------------------------------------------------------- users and groups
#: the many2many of a user's groups (``res.users``)
USER_GROUPS = "groups_id" if MAJOR < 19 else "group_ids"


def new_api_key(user, name, scope=None):
    """A persistent API key of ``user`` (the key, a string). 18 added an expiration
    date to ``res.users.apikeys._generate``; a key without one needs sudo there."""
    keys = user.env["res.users.apikeys"].with_user(user)
    if MAJOR == 17:
        return keys._generate(scope, name)
    return keys.sudo()._generate(scope, name, None)


# ---------------------------------------------------------------- products
#: the product field that says whether it is storable
STORABLE_FIELD = "type" if MAJOR == 17 else "is_storable"


def storable_product_vals():
    """Create values of a storable (stock-tracked) goods product."""
    return {"detailed_type": "product"} if MAJOR == 17 else {"type": "consu", "is_storable": True}


def consumable_product_vals():
    """Create values of goods whose stock is not tracked."""
    return {"detailed_type": "consu"} if MAJOR == 17 else {"type": "consu", "is_storable": False}


def is_storable(product):
    return product.type == "product" if MAJOR == 17 else bool(product.is_storable)


def storable_domain(path=""):
    """Domain of storable products; ``path`` is the prefix to the product, e.g. ``product_id.``."""
    if MAJOR == 17:
        return [(path + "type", "=", "product")]
    return [(path + "is_storable", "=", True)]


def storable_sql(template_alias):
    """SQL condition on a ``product_template`` alias: storable product."""
    if MAJOR == 17:
        return "%s.type = 'product'" % template_alias
    return "%s.is_storable" % template_alias


def product_kind(product):
    """PlanSync's product type, the 17 vocabulary kept on every version:
    ``product`` (storable), ``consu``, ``service``, ``combo``."""
    if MAJOR == 17:
        return product.detailed_type
    return "product" if product.is_storable else product.type


#: product fields whose change is a product change (type and purchase unit)
PRODUCT_TYPE_FIELDS = ("detailed_type", "type") if MAJOR == 17 else ("type", "is_storable")


# ---------------------------------------------------------------- units of measure
#: uom fields whose change is a unit change
UOM_FIELDS = (
    ("name", "category_id", "uom_type", "factor", "factor_inv", "rounding", "active")
    if MAJOR < 19
    else ("name", "relative_uom_id", "relative_factor", "factor", "rounding", "active")
)


def purchase_uom(product):
    """The unit a product is bought in by default (19: no ``uom_po_id``; the
    first vendor's unit, else the product's unit)."""
    if MAJOR < 19:
        return product.uom_po_id
    seller = product.seller_ids[:1]
    return seller.product_uom_id or product.uom_id


#: product fields that hold its default purchase unit
PURCHASE_UOM_FIELDS = ("uom_po_id",) if MAJOR < 19 else ()


def unit_type(uom):
    """``reference``, ``bigger`` or ``smaller`` than the reference unit of its family."""
    if MAJOR < 19:
        return uom.uom_type
    if not uom.relative_uom_id:
        return "reference"
    return "bigger" if uom.factor > 1 else "smaller" if uom.factor < 1 else "reference"


def purchase_uom_vals(uom):
    """Create values of a product bought in ``uom`` (19: none, the vendor terms carry it)."""
    return {"uom_po_id": uom.id} if MAJOR < 19 else {}


def unit_family(uom):
    """The record that groups units convertible into each other: the UoM
    category (17, 18) or the reference unit at the root (19)."""
    if MAJOR < 19:
        return uom.category_id
    if not uom:
        return uom
    return uom.browse(int(uom.parent_path.split("/")[0])) if uom.parent_path else uom


def same_unit_family(uom, other):
    if MAJOR < 19:
        return uom.category_id == other.category_id
    return bool(uom and other) and uom._has_common_reference(other)


def ratio_to_reference(uom):
    """How many reference units one ``uom`` is (Dozen: 12)."""
    return uom.factor_inv if MAJOR < 19 else uom.factor


def unit_vals(name, family, ratio):
    """Create values of a unit ``ratio`` times the reference unit of ``family``
    (a ``uom.category`` in 17/18, the reference ``uom.uom`` in 19)."""
    if MAJOR < 19:
        return {"name": name, "category_id": family.id, "uom_type": "bigger", "factor_inv": ratio}
    return {"name": name, "relative_uom_id": family.id, "relative_factor": ratio}


def new_unit_family(env, name):
    """A new family with its reference unit: returns (family, reference unit)."""
    if MAJOR < 19:
        category = env["uom.category"].create({"name": name})
        ref = env["uom.uom"].create({"name": name, "category_id": category.id, "uom_type": "reference"})
        return category, ref
    ref = env["uom.uom"].create({"name": name, "relative_factor": 1.0})
    return ref, ref


# ---------------------------------------------------------------- order lines, vendor terms
#: the unit field of sale and purchase order lines and of vendor terms
LINE_UOM = "product_uom" if MAJOR < 19 else "product_uom_id"
#: the unit field of stock moves (unchanged)
MOVE_UOM = "product_uom"
#: taxes of sale order lines / purchase order lines
SALE_LINE_TAXES = "tax_id" if MAJOR < 19 else "tax_ids"
PURCHASE_LINE_TAXES = "taxes_id" if MAJOR < 19 else "tax_ids"


def line_uom(line):
    """Unit of a sale/purchase order line or of vendor terms."""
    return line[LINE_UOM]


# ---------------------------------------------------------------- purchase packagings
#: a packaging a product may be bought in: ``qty`` in the product's unit,
#: ``company_id`` a (possibly empty) res.company recordset
PurchasePack = collections.namedtuple("PurchasePack", "name qty company_id")


def purchase_packagings(env, products):
    """{product id: [PurchasePack, ...]}: the packagings each product may be
    bought in, in Odoo's order (17/18 ``product.packaging`` with ``purchase``,
    by sequence; 19 the packaging units in ``uom_ids`` of the product's unit
    family, smallest first)."""
    result = collections.defaultdict(list)
    if MAJOR < 19:
        packagings = env["product.packaging"].search(
            [("product_id", "in", products.ids), ("purchase", "=", True), ("qty", ">", 0)],
            order="sequence, id",
        )
        for packaging in packagings:
            result[packaging.product_id.id].append(PurchasePack(packaging.name, packaging.qty, packaging.company_id))
        return result
    no_company = env["res.company"]
    for product in products:
        for uom in product.uom_ids.sorted(lambda u: (u.factor, u.id)):
            if uom != product.uom_id and same_unit_family(uom, product.uom_id):
                quantity = uom._compute_quantity(1.0, product.uom_id, round=False)
                if quantity > 0:
                    result[product.id].append(PurchasePack(uom.name, quantity, no_company))
    return result


def new_purchase_packaging(env, product, name, quantity):
    """Declare that ``product`` is bought in packs of ``quantity`` units."""
    if MAJOR < 19:
        return env["product.packaging"].create(
            {"name": name, "product_id": product.id, "qty": quantity, "purchase": True}
        )
    uom = env["uom.uom"].create({"name": name, "relative_uom_id": product.uom_id.id, "relative_factor": quantity})
    product.uom_ids = [(4, uom.id)]
    return uom


def new_sales_packaging(env, product, name, quantity):
    """A packaging ``product`` is sold in but not bought in (19 has no such
    distinction: nothing is created, returns None)."""
    if MAJOR < 19:
        return env["product.packaging"].create(
            {"name": name, "product_id": product.id, "qty": quantity, "sales": True, "purchase": False}
        )
    return None


# ---------------------------------------------------------------- reordering rules
#: SQL column of an orderpoint's order multiple (19: the replenishment unit's factor)
def orderpoint_multiple_sql(alias):
    """SQL expression: the quantity, in the product's unit, that the reordering
    rule ``alias`` orders multiples of (17/18 ``qty_multiple``; 19 the size of its
    ``replenishment_uom_id``, 0 when it has none)."""
    if MAJOR < 19:
        return "%s.qty_multiple" % alias
    return (
        "COALESCE((SELECT ru.factor / NULLIF(pu.factor, 0)"
        " FROM uom_uom ru, product_product pp"
        " JOIN product_template pt ON pt.id = pp.product_tmpl_id"
        " JOIN uom_uom pu ON pu.id = pt.uom_id"
        " WHERE ru.id = {0}.replenishment_uom_id AND pp.id = {0}.product_id), 0.0)"
    ).format(alias)


def orderpoint_multiple_vals(env, product, quantity):
    """Create values of a reordering rule ordering multiples of ``quantity``
    product units (19: a replenishment unit of that size, found or created)."""
    if MAJOR < 19:
        return {"qty_multiple": quantity}
    if not quantity or quantity == 1:
        return {}
    Uom = env["uom.uom"]
    uom = Uom.search(
        [("relative_uom_id", "=", product.uom_id.id), ("relative_factor", "=", quantity)], limit=1
    ) or Uom.create(
        {
            "name": "%s x %s" % (product.uom_id.name, quantity),
            "relative_uom_id": product.uom_id.id,
            "relative_factor": quantity,
        }
    )
    return {"replenishment_uom_id": uom.id}


# ---------------------------------------------------------------- purchase orders
#: purchase.order fields whose change may change its PlanSync state
PURCHASE_ORDER_STATE_FIELDS = ("state",) if MAJOR < 19 else ("state", "locked")


def purchase_order_state(order):
    """PlanSync's state of a purchase order, the 17 vocabulary kept on every
    version: a locked confirmed order is ``done`` (19 has ``locked`` instead of
    the ``done`` state)."""
    if MAJOR >= 19 and order.state == "purchase" and order.locked:
        return "done"
    return order.state or ""


def lock_purchase_order(order):
    """Lock a confirmed purchase order (17/18: state ``done``; 19: ``locked``)."""
    return order.button_done() if MAJOR < 19 else order.button_lock()


# ---------------------------------------------------------------- stock moves
def move_description_vals(name):
    """Create values of a stock move's description (19: moves have no ``name``)."""
    return {"name": name} if MAJOR < 19 else {}


#: stock.move field holding the name an inventory adjustment was applied under
#: (the ``inventory_name`` context key; 19: ``stock.move.inventory_name``)
INVENTORY_MOVE_NAME = "name" if MAJOR < 19 else "inventory_name"


# ---------------------------------------------------------------- procurement
def new_procurement(env, product, quantity, uom, location, name, origin, company, values):
    """``Procurement`` namedtuple (17/18 ``procurement.group``, 19 ``stock.rule``)."""
    model = "procurement.group" if MAJOR < 19 else "stock.rule"
    return env[model].Procurement(product, quantity, uom, location, name, origin, company, values)


def run_procurements(env, procurements):
    model = "procurement.group" if MAJOR < 19 else "stock.rule"
    env[model].sudo().run(procurements)


def shared_transfer_reference(env, name):
    """The record transfers made under ``name`` share (17/18 a procurement
    group, 19 a ``stock.reference``): found by name or created."""
    model = "procurement.group" if MAJOR < 19 else "stock.reference"
    Reference = env[model].sudo()
    reference = Reference.search([("name", "=", name)], limit=1)
    if reference:
        return reference
    vals = {"name": name}
    if MAJOR < 19:
        vals["move_type"] = "direct"
    return Reference.create(vals)


def procurement_reference_values(reference):
    """Procurement values that attach what is made to ``reference`` (False: none)."""
    if MAJOR < 19:
        return {"group_id": reference}
    return {"reference_ids": reference} if reference else {}


def moves_of_reference_domain(reference):
    if MAJOR < 19:
        return [("group_id", "=", reference.id)]
    return [("reference_ids", "in", reference.ids)]
