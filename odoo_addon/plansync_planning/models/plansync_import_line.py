# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Validation of inbound planning lines, in Python, without the database.

The agent validates every line against ``shared-types/planning.ts``; the addon
trusts no caller and checks every field's type and range again here. A bad
field raises :class:`LineError` with the code ``invalid`` and a sentence that
names the field and quotes the value. The functions return the normalized line
(strings stripped, defaults filled, absent optional values as ``False``).
"""
import math
import re
from datetime import date

from odoo.addons.plansync.tools import MAX_MAGNITUDE, is_text, show, storable

DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The largest magnitude of any number of a line (plansync.tools.MAX_MAGNITUDE): the
# highest value the sanity limits of the settings (max_line_quantity,
# max_line_value) may take. Beyond it the line is invalid, the rest goes on.
# Dates outside these years are absurd for planning, and adding a lead time to
# 9999-12-31 overflows Python's dates.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2999, 12, 31)
MAX_EXTERNAL_ID = 128
MAX_CODE = 256
MAX_REASON = 2000
MAX_REVISION = 2**31 - 1

FORECAST_KEYS = frozenset(
    ["external_id", "revision", "sku", "warehouse", "period_start", "granularity", "quantity", "lower", "upper"]
)
PROPOSAL_KEYS = frozenset(
    [
        "external_id",
        "revision",
        "kind",
        "sku",
        "warehouse",
        "vendor",
        "source_warehouse",
        "quantity",
        "uom",
        "order_by",
        "need_by",
        "value",
        "parameter",
        "explanation",
    ]
)
PARAMETER_KEYS = ("min_qty", "max_qty", "safety_stock")
EXPLANATION_NUMBERS = ("forecast_over_lead_time", "safety_stock", "on_hand", "on_order")
EXPLANATION_KEYS = frozenset(
    list(EXPLANATION_NUMBERS) + ["lead_time_days", "service_level", "reason", "demand_class", "method", "flags"]
)
# keys the embedded planner adds (shared-types/planning.ts, Explanation)
DEMAND_CLASSES = ("smooth", "erratic", "intermittent", "lumpy", "none")
MAX_METHOD = 64
MAX_FLAG = 64
MAX_FLAGS = 10
PROPOSAL_KINDS = ("purchase", "transfer", "parameter")


class LineError(Exception):
    """A line refused with a reason code and a sentence."""

    def __init__(self, code, message):
        super().__init__("%s: %s" % (code, message))
        self.code = code
        self.message = message


def invalid(message, *args):
    raise LineError("invalid", message % args if args else message)


def is_number(value):
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer too large for a float (a JSON 1 followed by 400 zeros)
        return False


def is_line_text(value, low, high):
    """A string of ``low`` to ``high`` characters (stripped, when ``low``) that
    PostgreSQL can store and search: no NUL, no lone surrogate. Such a value
    in any line field would fail the SQL of the whole batch, not just its line."""
    if not isinstance(value, str) or not is_text(value):
        return False
    return low <= len(value.strip() if low else value) <= high


def external_id_of(raw):
    """The line's external id when it is a usable string, else ""."""
    value = raw.get("external_id") if isinstance(raw, dict) else None
    if is_line_text(value, 1, MAX_EXTERNAL_ID):
        return value.strip()
    return ""


def revision_of(raw):
    value = raw.get("revision", 1) if isinstance(raw, dict) else 1
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_REVISION:
        return value
    return 0


def _check_keys(line, allowed, where="the line"):
    unknown = sorted(str(key) for key in line if key not in allowed)
    if unknown:
        invalid("%s has unknown field(s) %s", where, ", ".join(unknown))


def _external_id(line):
    value = line.get("external_id")
    if not is_line_text(value, 1, MAX_EXTERNAL_ID):
        invalid(
            "external_id must be a string of 1 to %s characters without NUL or lone surrogates, got %s",
            MAX_EXTERNAL_ID,
            show(value),
        )
    return value.strip()


def _revision(line):
    value = line.get("revision", 1)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_REVISION:
        invalid("revision must be an integer of at least 1, got %s", show(value))
    return value


def _code(line, key, optional=False):
    """A reference by code or name: a non-empty string (or False when optional)."""
    value = line.get(key, False) if optional else line.get(key)
    if optional and value is False:
        return False
    if not is_line_text(value, 1, MAX_CODE):
        invalid(
            "%s must be a non-empty string without NUL or lone surrogates%s, got %s",
            key,
            " or false" if optional else "",
            show(value),
        )
    return value.strip()


def _date(line, key, optional=False):
    value = line.get(key, False) if optional else line.get(key)
    if optional and value is False:
        return False
    if isinstance(value, str) and DATE_RE.match(value):
        try:
            day = date(int(value[:4]), int(value[5:7]), int(value[8:10]))
        except ValueError:
            day = None
        if day and MIN_DATE <= day <= MAX_DATE:
            return day
    invalid(
        "%s must be a date YYYY-MM-DD from %s to %s%s, got %s",
        key,
        MIN_DATE.isoformat(),
        MAX_DATE.isoformat(),
        " or false" if optional else "",
        show(value),
    )


def _num(value):
    """A bound as a sentence shows it: 0, 1, 1e+15."""
    return "%g" % value


def _number(container, key, minimum=0.0, maximum=None, optional=False, where=""):
    """A finite number from ``minimum`` to ``maximum`` (None: -MAX_MAGNITUDE,
    MAX_MAGNITUDE); False/absent when optional."""
    name = where + key
    low = -MAX_MAGNITUDE if minimum is None else minimum
    high = MAX_MAGNITUDE if maximum is None else maximum
    if optional:
        value = container.get(key, False)
        if value is False:
            return False
    else:
        value = container.get(key)
    if not is_number(value) or not low <= value <= high:
        invalid(
            "%s must be a number from %s to %s%s, got %s",
            name,
            _num(low),
            _num(high),
            " or false" if optional else "",
            show(value),
        )
    return float(value)


def validate_forecast(line):
    _check_keys(line, FORECAST_KEYS)
    result = {
        "external_id": _external_id(line),
        "revision": _revision(line),
        "sku": _code(line, "sku"),
        "warehouse": _code(line, "warehouse"),
        "period_start": _date(line, "period_start"),
    }
    granularity = line.get("granularity")
    if granularity not in ("week", "month"):
        invalid("granularity must be 'week' or 'month', got %s", show(granularity))
    result["granularity"] = granularity
    quantity = _number(line, "quantity")
    result["quantity"] = quantity
    lower = _number(line, "lower", minimum=None, optional=True)
    upper = _number(line, "upper", minimum=None, optional=True)
    if lower is not False and lower > quantity:
        invalid("lower must be at most quantity (%s), got %s", quantity, show(line["lower"]))
    if upper is not False and upper < quantity:
        invalid("upper must be at least quantity (%s), got %s", quantity, show(line["upper"]))
    result["lower"] = quantity if lower is False else lower
    result["upper"] = quantity if upper is False else upper
    period = result["period_start"]
    if granularity == "week" and period.weekday() != 0:
        invalid("period_start must be a Monday for a week, got %s", show(line["period_start"]))
    if granularity == "month" and period.day != 1:
        invalid("period_start must be the 1st for a month, got %s", show(line["period_start"]))
    return result


def validate_proposal(line):
    _check_keys(line, PROPOSAL_KEYS)
    result = {
        "external_id": _external_id(line),
        "revision": _revision(line),
    }
    kind = line.get("kind")
    if kind not in PROPOSAL_KINDS:
        invalid("kind must be 'purchase', 'transfer' or 'parameter', got %s", show(kind))
    result["kind"] = kind
    result["sku"] = _code(line, "sku")
    result["warehouse"] = _code(line, "warehouse")
    result["vendor"] = _code(line, "vendor", optional=True)
    result["source_warehouse"] = _code(line, "source_warehouse", optional=True)
    quantity = _number(line, "quantity", optional=True)
    if kind != "parameter" and (quantity is False or quantity <= 0):
        invalid(
            "quantity must be a number greater than 0 for a %s proposal, got %s",
            kind,
            show(line.get("quantity", False)),
        )
    result["quantity"] = quantity if kind != "parameter" else 0.0
    result["uom"] = _code(line, "uom", optional=True)
    result["order_by"] = _date(line, "order_by", optional=True)
    result["need_by"] = _date(line, "need_by", optional=True)
    result["value"] = _number(line, "value", optional=True)
    if kind == "transfer" and not result["source_warehouse"]:
        invalid(
            "source_warehouse must be a warehouse code for a transfer proposal, got %s",
            show(line.get("source_warehouse", False)),
        )
    parameter = line.get("parameter", False)
    if parameter is False:
        result["parameter"] = False
    elif isinstance(parameter, dict):
        _check_keys(parameter, PARAMETER_KEYS, "parameter")
        result["parameter"] = {
            key: _number(parameter, key, where="parameter.") for key in PARAMETER_KEYS if key in parameter
        }
    else:
        invalid("parameter must be an object or false, got %s", show(parameter))
    if kind == "parameter":
        values = result["parameter"] or {}
        if not values:
            invalid(
                "parameter must have min_qty, max_qty or safety_stock for a parameter " "proposal, got %s",
                show(parameter),
            )
        if "min_qty" in values and "max_qty" in values and values["max_qty"] < values["min_qty"]:
            invalid(
                "parameter.max_qty must be at least min_qty (%s), got %s",
                values["min_qty"],
                show(parameter["max_qty"]),
            )
    explanation = line.get("explanation", {})
    if not isinstance(explanation, dict):
        invalid("explanation must be an object, got %s", show(explanation))
    _check_keys(explanation, EXPLANATION_KEYS, "explanation")
    clean = {}
    for key in EXPLANATION_NUMBERS:
        if key in explanation:
            clean[key] = _number(explanation, key, minimum=None, where="explanation.")
    if "lead_time_days" in explanation:
        clean["lead_time_days"] = _number(explanation, "lead_time_days", where="explanation.")
    if "service_level" in explanation:
        clean["service_level"] = _number(explanation, "service_level", maximum=1.0, where="explanation.")
    if "reason" in explanation:
        reason = explanation["reason"]
        if not is_line_text(reason, 0, MAX_REASON):
            invalid(
                "explanation.reason must be a string of at most %s characters without NUL or lone surrogates, got %s",
                MAX_REASON,
                show(reason),
            )
        clean["reason"] = reason
    if "demand_class" in explanation:
        demand_class = explanation["demand_class"]
        if demand_class not in DEMAND_CLASSES:
            invalid(
                "explanation.demand_class must be one of %s, got %s",
                ", ".join(DEMAND_CLASSES),
                show(demand_class),
            )
        clean["demand_class"] = demand_class
    if "method" in explanation:
        method = explanation["method"]
        if not is_line_text(method, 1, MAX_METHOD):
            invalid(
                "explanation.method must be a string of 1 to %s characters without NUL or lone surrogates, got %s",
                MAX_METHOD,
                show(method),
            )
        clean["method"] = method.strip()
    if "flags" in explanation:
        flags = explanation["flags"]
        if not isinstance(flags, (list, tuple)) or len(flags) > MAX_FLAGS:
            invalid(
                "explanation.flags must be a list of at most %s strings, got %s",
                MAX_FLAGS,
                show(flags),
            )
        for index, flag in enumerate(flags):
            if not is_line_text(flag, 1, MAX_FLAG):
                invalid(
                    "explanation.flags[%s] must be a string of 1 to %s characters without NUL or lone surrogates, got %s",
                    index,
                    MAX_FLAG,
                    show(flag),
                )
        clean["flags"] = [flag.strip() for flag in flags]
    result["explanation"] = clean
    return result


def validate(kind, line):
    """Normalized line of a run of ``kind`` ("forecast" or "proposal")."""
    if not isinstance(line, dict):
        invalid("the line must be an object, got %s", show(line))
    if kind == "forecast":
        return validate_forecast(line)
    return validate_proposal(line)
