# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Pure helpers shared by the PlanSync module family: argument checks, time
and value formatting, warehouse selection. No model, no SQL.

Feature modules import them as ``from odoo.addons.plansync.tools import ...``;
the core never imports a feature module.
"""
import math
import re
from datetime import datetime

import pytz

from odoo import _
from odoo.exceptions import ValidationError

# The largest magnitude PlanSync accepts in any number that comes from outside (an import line, a WMS
# quantity): the highest value the sanity limits of the settings may take. Beyond it a number is absurd
# (1e308 overflowed the rounding to a vendor's packaging, 10**400 overflows float()).
MAX_MAGNITUDE = 1e15


def bounded_number(value, maximum=MAX_MAGNITUDE):
    """True for an int or float (not a bool) that is finite and at most ``maximum`` in size. Never
    converts a huge int to float (which raises OverflowError)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return abs(value) <= maximum


MAX_WAREHOUSE_CODES = 1000
ISO_TIME_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|[+-]00:?00)?$")


def iso_time(value):
    """A naive UTC datetime as ``YYYY-MM-DDTHH:MM:SSZ``, or False."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else False


def check_int(name, value, low, high):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(
            _("%(name)s must be an integer from %(low)s to %(high)s, got %(value)r")
            % {"name": name, "low": low, "high": high, "value": value}
        )
    return value


def check_str(name, value, low, high):
    if not isinstance(value, str) or not low <= len(value) <= high or (low and not value.strip()):
        raise ValidationError(
            _("%(name)s must be a string of %(low)s to %(high)s characters, got %(value)r")
            % {"name": name, "low": low, "high": high, "value": value}
        )
    if not is_text(value):
        # PostgreSQL cannot store them: refused here rather than failing the statement
        raise ValidationError(
            _("%(name)s must be text without NUL characters or lone surrogates, got %(value)r")
            % {"name": name, "value": value}
        )
    return value


def is_text(value):
    """Whether PostgreSQL can store the string: no NUL, no lone surrogate
    (JSON's ``"\\ud800"`` decodes to one)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def show(value):
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def storable(value):
    """``value`` as JSON can store it: non-finite numbers and values that JSON
    has no type for (dates, bytes of XML-RPC) become strings."""
    if isinstance(value, dict):
        return {str(key): storable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [storable(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, str):
        # jsonb holds neither NUL nor lone surrogates: each kept visible as U+FFFD
        if is_text(value):
            return value
        return value.replace("\x00", "\ufffd").encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if value is None or isinstance(value, (int, float, bool)):
        return value
    return str(value)


def local_date(value, tz_name):
    """The day of a naive UTC datetime in the timezone ``tz_name`` (UTC when
    unset or unknown), or False."""
    if not value:
        return False
    if not isinstance(value, datetime):
        return value
    try:
        tz = pytz.timezone(tz_name) if tz_name else pytz.utc
    except pytz.UnknownTimeZoneError:
        tz = pytz.utc
    return pytz.utc.localize(value).astimezone(tz).date()


def company_tz(company):
    """The timezone of a company: its partner's ``tz``, False when unset."""
    return company.partner_id.tz or False


def parse_generated_at(value):
    """``generated_at`` of import_batch: False or an ISO UTC time -> naive UTC datetime."""
    if value is False:
        return False
    match = ISO_TIME_RE.match(value) if isinstance(value, str) else None
    try:
        return datetime(*(int(part) for part in match.groups())) if match else None
    except ValueError:
        return None


def pick_warehouses(codes, available, preference, what):
    """``warehouses`` argument of the snapshot methods -> the ``available``
    warehouses named by ``codes`` (all of them for False). ``preference``
    orders ``available`` for a code shared by two warehouses; ``what`` names
    the allowed set in the error."""
    if codes is False:
        return available
    if (
        not isinstance(codes, (list, tuple))
        or not 1 <= len(codes) <= MAX_WAREHOUSE_CODES
        or any(not isinstance(code, str) or not code.strip() for code in codes)
    ):
        raise ValidationError(
            _("warehouses must be false or a list of 1 to %(max)s warehouse codes, got %(value)s")
            % {"max": MAX_WAREHOUSE_CODES, "value": show(codes)}
        )
    by_code = {}
    for warehouse in preference:
        by_code.setdefault(warehouse.code, warehouse)
    unknown = [code for code in codes if code.strip() not in by_code]
    if unknown:
        raise ValidationError(
            _("warehouses: %(code)s is not the code of %(what)s") % {"code": show(unknown[0]), "what": what}
        )
    ids = {by_code[code.strip()].id for code in codes}
    return available.filtered(lambda w: w.id in ids)


def ref(record, name=None):
    """``{"id", "name"}`` of a record, or False."""
    if not record:
        return False
    return {"id": record.id, "name": name or record.display_name or record.name or ""}


def number(value):
    return float(value or 0.0)


def category_path(product):
    """Ids of the product's category and its ancestors, nearest first."""
    path = product.categ_id.parent_path or ""
    return [int(part) for part in reversed(path.split("/")) if part]
