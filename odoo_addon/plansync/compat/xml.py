# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Rewrite PlanSync's XML data files, written once in the Odoo 18 dialect, for the
running Odoo major version.

Pure functions over an lxml tree: no Odoo import, no I/O, so they can be tested
without a database. ``adapt(root, major)`` rewrites in place.

Odoo 17 (the dialect before 18):
  * ``<list>`` elements of view archs are ``<tree>`` (also nested one2many lists and
    inherited-view targets), and xpath ``expr`` steps ``list`` are ``tree``;
  * ``view_mode`` values ``list`` are ``tree`` (``ir.actions.act_window``,
    ``ir.actions.act_window.view`` and ``Command.create({'view_mode': 'list'})`` in
    ``view_ids`` evals);
  * ``ir.cron`` records need ``numbercall`` (-1: forever).
Odoo 19:
  * a ``res.groups`` record with ``category_id`` gets a ``res.groups.privilege``
    record (one per category, declared just before the first group using it) and
    ``privilege_id`` instead;
  * ``users`` on groups is ``user_ids``; ``groups_id`` on users, views, menus and
    actions is ``group_ids``.

The rewrites never add a line, so Odoo's messages (file:line) stay right;
``serialize`` keeps the root element on its original line.
"""
import re

VIEW_MODEL = "ir.ui.view"
ACTION_MODELS = ("ir.actions.act_window", "ir.actions.act_window.view")
GROUPS_ID_MODELS = (
    "res.users",
    "ir.ui.view",
    "ir.ui.menu",
    "ir.actions.act_window",
    "ir.actions.server",
    "ir.actions.report",
    "ir.cron",
)

_XPATH_LIST_STEP = re.compile(r"(?<![\w.@'\"-])list(?=$|[\[/\s|)])")
_EVAL_VIEW_MODE_LIST = re.compile(r"""(['"]view_mode['"]\s*:\s*['"])list(['"])""")


def adapt(root, major):
    """Rewrite the ``<odoo>`` (or ``<openerp>``) tree ``root`` in place for Odoo ``major``."""
    if major == 17:
        _to_17(root)
    elif major == 19:
        _to_19(root)
    # 18 is the dialect the files are written in: nothing to do


def _records(root, models):
    for record in root.iter("record"):
        if record.get("model") in models:
            yield record


def _fields(record, name):
    return [f for f in record if f.tag == "field" and f.get("name") == name]


def serialize(root):
    """UTF-8 bytes of ``root`` where every element of the source starts on its
    original line, so that Odoo's messages (file:line) stay right.

    lxml puts a start tag that the source wrapped over several lines on one line;
    the lost newlines are put back into the whitespace before the next element
    (never into text that is not blank). The XML declaration and comments before
    the root become blank lines."""
    from lxml import etree

    def serialized():
        head = b"\n" * ((root.sourceline or 1) - 1)
        return head + etree.tostring(root, encoding="utf-8")

    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    wanted = [e.sourceline for e in elements]
    got = [e.sourceline for e in etree.fromstring(serialized()).iter() if isinstance(e.tag, str)]
    added = 0
    for element, want, line in zip(elements, wanted, got):
        missing = (want or 0) - (line + added)
        if missing <= 0:
            continue
        previous = element.getprevious()
        if previous is not None:
            if (previous.tail or "").strip():
                continue
            previous.tail = (previous.tail or "") + "\n" * missing
        else:
            parent = element.getparent()
            if parent is None or (parent.text or "").strip():
                continue
            parent.text = (parent.text or "") + "\n" * missing
        added += missing
    return serialized()


# ---------------------------------------------------------------- 17
def xpath_list_to_tree(expr):
    """``//list/field`` -> ``//tree/field``; ``@list``, ``'list'`` and ``list_x`` untouched."""
    return _XPATH_LIST_STEP.sub("tree", expr)


def view_mode_list_to_tree(value):
    return ",".join("tree" if m.strip() == "list" else m.strip() for m in value.split(","))


def _to_17(root):
    for record in _records(root, (VIEW_MODEL,)):
        for arch in _fields(record, "arch"):
            for node in arch.iter():
                if not isinstance(node.tag, str):
                    continue  # comments, processing instructions
                if node is not arch and node.tag == "list":
                    node.tag = "tree"
                if node.tag == "xpath" and node.get("expr"):
                    node.set("expr", xpath_list_to_tree(node.get("expr")))
    for record in _records(root, ACTION_MODELS):
        for field in _fields(record, "view_mode"):
            if field.text:
                field.text = view_mode_list_to_tree(field.text)
        for field in _fields(record, "view_ids"):
            if field.get("eval"):
                field.set("eval", _EVAL_VIEW_MODE_LIST.sub(r"\1tree\2", field.get("eval")))
    for record in _records(root, ("ir.cron",)):
        if not _fields(record, "numbercall"):
            numbercall = record.makeelement("field", {"name": "numbercall", "eval": "-1"})
            if len(record):  # on the line of the last field: line numbers stay right
                numbercall.tail, record[-1].tail = record[-1].tail, " "
            record.append(numbercall)


# ---------------------------------------------------------------- 19
def privilege_xmlid(category_ref):
    """``module_category_plansync`` (or ``other.module_category_x``) -> the local xml id
    ``res_groups_privilege_plansync`` of the privilege this module declares for it."""
    local = category_ref.rpartition(".")[2]
    local = local[len("module_category_") :] if local.startswith("module_category_") else local
    return "res_groups_privilege_%s" % local


def _category_names(root):
    names = {}
    for record in _records(root, ("ir.module.category",)):
        for field in _fields(record, "name"):
            names[record.get("id")] = field.text
    return names


def _to_19(root):
    names = _category_names(root)
    declared = set()
    for record in list(_records(root, ("res.groups",))):
        for field in _fields(record, "category_id"):
            category = field.get("ref")
            if not category:
                continue  # an eval'd category: leave it, Odoo will say what is wrong
            privilege = privilege_xmlid(category)
            if privilege not in declared:
                declared.add(privilege)
                # on the line of the group record: line numbers stay right
                new = record.makeelement("record", {"id": privilege, "model": "res.groups.privilege"})
                name = new.makeelement("field", {"name": "name"})
                name.text = names.get(category) or category.rpartition(".")[2]
                ref = new.makeelement("field", {"name": "category_id", "ref": category})
                new.extend([name, ref])
                new.tail = " "
                record.addprevious(new)
            field.set("name", "privilege_id")
            field.set("ref", privilege)
        for field in _fields(record, "users"):
            field.set("name", "user_ids")
    for record in _records(root, GROUPS_ID_MODELS):
        for field in _fields(record, "groups_id"):
            field.set("name", "group_ids")
