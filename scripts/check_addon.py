#!/usr/bin/env python3
"""Static checks of the PlanSync Odoo addon family, without Odoo.

    python3 scripts/check_addon.py [ADDONS_DIR | ADDON_DIR ...] [--json]

Without argument, checks every module of odoo_addon/ (plansync, plansync_planning,
plansync_inventory, ...). An ADDONS_DIR argument checks every module under it; an ADDON_DIR
(a folder with a __manifest__.py) checks that module. Each module is checked with the
knowledge of the modules it depends on among its siblings (its family): a field that the core
defines can be used in a feature's view, ``plansync.group_plansync_user`` resolves in the core,
and a reference to a sibling that is not a dependency fails.

Checks (one result per item):
  python-compiles  every .py file compiles
  xml-parses       every .xml file parses
  manifest-data    every data file of the manifest exists, and every XML/CSV file under
                   data/, views/ and security/ is listed in the manifest
  access-models    every ir.model.access.csv row names a model defined (by ``_name``) in the
                   module or its family dependencies, or, when ODOO_SRC (default /opt/odoo-src) exists, in Odoo's addons
  view-fields      every <field name="..."> of an ir.ui.view arch names a field of its model
                   (fields collected with ast from the addon, and from ODOO_SRC when present;
                   a field of an Odoo model that cannot be checked is reported "unchecked")
  xml-dialect      every data file is written in the Odoo 18 dialect that plansync/compat/xml.py
                   adapts to 17 and 19 at load time: list views are <list> (no <tree>), view_mode
                   says list (no tree), ir.cron records have no numbercall, search-view <group>s
                   have no expand/string (19 refuses them); each manifest's version is series-free
                   (1.0.0: Odoo prefixes its own series)
  supported-versions  the Odoo majors the core's compat package supports (SUPPORTED_MAJORS) are
                   PLANSYNC_SUPPORTED of scripts/odoo/versions.sh
  xml-refs         every reference (ref=, ref('...'), %(...)d, parent=, action=, groups=)
                   to the module or to a family module names an XML id that module defines,
                   and a family module referenced is the module itself or one of its dependencies

With --json, prints a JSON list of {"check", "ok", "detail"}; otherwise a summary.
Exits 1 when any item failed. Standard library only.
"""
import ast
import csv
import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from xml.parsers import expat

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_ADDONS = os.path.join(HERE, "..", "odoo_addon")
MAGIC_FIELDS = {"id", "display_name", "create_uid", "create_date", "write_uid", "write_date"}
VERSIONS_SH = os.environ.get("PLANSYNC_VERSIONS_SH", os.path.join(HERE, "odoo", "versions.sh"))
CHECKED_DIRS = ("data", "views", "security")
REF_CALL_RE = re.compile(r"""\bref\(\s*['"]([\w.]+)['"]\s*\)""")
PERCENT_REF_RE = re.compile(r"%\(([\w.]+)\)d")
RELATIONAL = {"Many2one", "One2many", "Many2many"}


LINES = {}  # id(element) -> line number in its file


def parse_with_lines(path):
    """ElementTree of ``path``, remembering each element's line in LINES."""
    parser = expat.ParserCreate()
    builder = ET.TreeBuilder()

    def start(tag, attrs):
        element = builder.start(tag, attrs)
        LINES[id(element)] = parser.CurrentLineNumber

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    with open(path, "rb") as handle:
        parser.ParseFile(handle)
    return ET.ElementTree(builder.close())


def line_of(element):
    return LINES.get(id(element), 0)


class Results:
    def __init__(self):
        self.items = []

    def add(self, check, ok, detail):
        self.items.append({"check": check, "ok": bool(ok), "detail": detail})

    @property
    def failed(self):
        return [item for item in self.items if not item["ok"]]


# ----------------------------------------------------------------------
# model classes, read with ast
# ----------------------------------------------------------------------


def _literal(node):
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str)]
    return []


def _field_call(node):
    """(field type, comodel) when ``node`` is ``fields.X(...)``, else None."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    base = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else None
    if base != "fields" or not name or not name[0].isupper():
        return None
    comodel = None
    if name in RELATIONAL:
        if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            comodel = node.args[0].value
        for keyword in node.keywords:
            if keyword.arg == "comodel_name" and isinstance(keyword.value, ast.Constant):
                comodel = keyword.value.value
    return name, comodel


def model_classes(path):
    """Model classes of one Python file: dicts with name, inherit, inherits, fields."""
    try:
        with open(path, encoding="utf-8") as handle:
            source = handle.read()
    except (OSError, UnicodeDecodeError):
        return []
    if "_name" not in source and "_inherit" not in source:
        return []
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError:
        return []
    classes = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        info = {"name": None, "inherit": [], "inherits": {}, "fields": {}, "file": path}
        for stmt in node.body:
            if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
                continue
            target = stmt.targets[0]
            if not isinstance(target, ast.Name):
                continue
            if target.id == "_name":
                value = _literal(stmt.value)
                info["name"] = value if isinstance(value, str) else None
            elif target.id == "_inherit":
                info["inherit"] = _as_list(_literal(stmt.value))
            elif target.id == "_inherits":
                value = _literal(stmt.value)
                info["inherits"] = value if isinstance(value, dict) else {}
            else:
                field = _field_call(stmt.value)
                if field:
                    info["fields"][target.id] = field[1]
        if info["name"] or info["inherit"]:
            classes.append(info)
    return classes


class ModelIndex:
    """Fields per model name, merged over every class that defines or extends it."""

    def __init__(self):
        self.defined = {}  # model -> list of files defining it with _name
        self.classes = []

    def add_file(self, path):
        for info in model_classes(path):
            self.classes.append(info)
            if info["name"] and info["name"] not in info["inherit"]:
                self.defined.setdefault(info["name"], []).append(path)
            elif info["name"]:
                self.defined.setdefault(info["name"], [])

    def add_tree(self, root):
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in ("tests", "static", "__pycache__", "i18n")]
            for filename in filenames:
                if filename.endswith(".py"):
                    self.add_file(os.path.join(dirpath, filename))

    def fields(self, model, _seen=None):
        """{field name: comodel or None} of ``model``, following _inherit and _inherits."""
        seen = _seen if _seen is not None else set()
        if model in seen:
            return {}
        seen.add(model)
        result = {}
        for info in self.classes:
            own = info["name"] or (info["inherit"][0] if len(info["inherit"]) == 1 else None)
            if own != model and not (not info["name"] and model in info["inherit"]):
                continue
            result.update(info["fields"])
            for parent in info["inherit"]:
                if parent != model:
                    for name, comodel in self.fields(parent, seen).items():
                        result.setdefault(name, comodel)
            for parent, link in info["inherits"].items():
                for name, comodel in self.fields(parent, seen).items():
                    result.setdefault(name, comodel)
                result.setdefault(link, parent)
        return result

    def knows(self, model):
        return any(info["name"] == model or (not info["name"] and model in info["inherit"]) for info in self.classes)


# ----------------------------------------------------------------------
# checks
# ----------------------------------------------------------------------


def rel(path, addon):
    """``path`` relative to the addons folder: ``<module>/views/x.xml``."""
    return os.path.relpath(path, os.path.dirname(os.path.abspath(addon).rstrip(os.sep)))


def walk_files(addon, suffix):
    for dirpath, dirnames, filenames in os.walk(addon):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for filename in sorted(filenames):
            if filename.endswith(suffix):
                yield os.path.join(dirpath, filename)


def check_python(addon, results):
    for path in walk_files(addon, ".py"):
        try:
            with open(path, encoding="utf-8") as handle:
                compile(handle.read(), path, "exec")
            results.add("python-compiles", True, rel(path, addon))
        except SyntaxError as exc:
            results.add("python-compiles", False, "%s:%s: %s" % (rel(path, addon), exc.lineno, exc.msg))


def parse_xml(addon, results):
    trees = {}
    for path in walk_files(addon, ".xml"):
        try:
            trees[path] = parse_with_lines(path)
            results.add("xml-parses", True, rel(path, addon))
        except (expat.ExpatError, ET.ParseError) as exc:
            results.add("xml-parses", False, "%s: %s" % (rel(path, addon), exc))
    return trees


def read_manifest(addon, results):
    path = os.path.join(addon, "__manifest__.py")
    try:
        with open(path, encoding="utf-8") as handle:
            manifest = ast.literal_eval(handle.read())
        if not isinstance(manifest, dict):
            raise ValueError("not a dict")
    except (OSError, ValueError, SyntaxError) as exc:
        results.add("manifest-data", False, "__manifest__.py: %s" % exc)
        return {}
    return manifest


def check_manifest(addon, manifest, results):
    listed = list(manifest.get("data", [])) + list(manifest.get("demo", []))
    for name in listed:
        exists = os.path.isfile(os.path.join(addon, name))
        results.add(
            "manifest-data",
            exists,
            "%s/%s is listed%s" % (os.path.basename(addon), name, "" if exists else " but does not exist"),
        )
    listed_set = {os.path.normpath(name) for name in listed}
    for folder in CHECKED_DIRS:
        root = os.path.join(addon, folder)
        if not os.path.isdir(root):
            continue
        for suffix in (".xml", ".csv"):
            for path in walk_files(root, suffix):
                name = os.path.normpath(os.path.relpath(path, addon))
                ok = name in listed_set
                results.add(
                    "manifest-data",
                    ok,
                    "%s is %s in the manifest's data" % (rel(path, addon), "listed" if ok else "NOT listed"),
                )


def model_xmlid(model):
    return "model_" + model.replace(".", "_")


def local_id(xmlid, module):
    """The local part of ``xmlid`` when it belongs to ``module``, else None."""
    if "." in xmlid:
        prefix, name = xmlid.split(".", 1)
        return name if prefix == module else None
    return xmlid


def check_access(addon, module, addon_index, odoo_index, results):
    for path in walk_files(addon, ".csv"):
        if os.path.basename(path) != "ir.model.access.csv":
            continue
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        known = {model_xmlid(m): m for m in addon_index.defined}
        odoo_known = {model_xmlid(m): m for m in odoo_index.defined} if odoo_index else {}
        for line, row in enumerate(rows, start=2):
            ref = (row.get("model_id:id") or "").strip()
            where = "%s:%s %s" % (rel(path, addon), line, row.get("id", ""))
            if "." in ref and not ref.startswith(module + "."):
                key = ref.split(".", 1)[1]
                if odoo_index is None:
                    results.add("access-models", True, "%s: %s unchecked (no ODOO_SRC)" % (where, ref))
                else:
                    ok = key in odoo_known or key in known
                    results.add(
                        "access-models",
                        ok,
                        "%s: %s %s" % (where, ref, "exists" if ok else "names no model of Odoo"),
                    )
                continue
            key = local_id(ref, module)
            ok = key in known or (odoo_index is not None and key in odoo_known)
            results.add(
                "access-models",
                ok,
                "%s: %s %s"
                % (
                    where,
                    ref,
                    "-> " + (known.get(key) or odoo_known.get(key, "")) if ok else "names no model defined by _name",
                ),
            )


def view_records(trees):
    """(file, record element, model, arch element) of every ir.ui.view record."""
    for path, tree in trees.items():
        for record in tree.getroot().iter("record"):
            if record.get("model") != "ir.ui.view":
                continue
            model = None
            arch = None
            for field in record.findall("field"):
                if field.get("name") == "model":
                    model = (field.text or "").strip()
                elif field.get("name") == "arch":
                    arch = field
            if model and arch is not None:
                yield path, record, model, arch


def check_view_fields(addon, trees, addon_index, odoo_index, results):
    addon_models = set(addon_index.defined) | {
        m for info in addon_index.classes for m in ([info["name"]] if info["name"] else info["inherit"])
    }

    def fields_of(model):
        own = addon_index.fields(model)
        if odoo_index is not None and odoo_index.knows(model):
            merged = dict(odoo_index.fields(model))
            merged.update(own)
            return merged, True
        # complete when the addon defines the model and inherits nothing outside it
        complete = model in addon_index.defined and all(
            parent in addon_index.defined
            for info in addon_index.classes
            if info["name"] == model
            for parent in info["inherit"]
        )
        return own, complete

    def visit(element, model, path, view_id):
        for child in element:
            if not isinstance(child.tag, str):
                continue
            if child.tag == "field":
                name = child.get("name")
                known, complete = fields_of(model)
                where = "%s:%s view %s: field %r of %s" % (rel(path, addon), line_of(child), view_id, name, model)
                if name in known or name in MAGIC_FIELDS:
                    results.add("view-fields", True, where)
                    comodel = known.get(name)
                    if comodel and len(child):
                        visit(child, comodel, path, view_id)
                    continue
                if complete:
                    results.add("view-fields", False, where + " does not exist")
                else:
                    results.add("view-fields", True, where + " unchecked")
                continue
            visit(child, model, path, view_id)

    for path, record, model, arch in view_records(trees):
        if model not in addon_models:
            continue
        visit(arch, model, path, record.get("id"))


def defined_ids(trees, addon_index, addon):
    ids = {model_xmlid(m) for m in addon_index.defined}
    for tree in trees.values():
        for element in tree.getroot().iter():
            if element.tag in ("record", "menuitem", "template", "act_window", "report", "function"):
                if element.get("id"):
                    ids.add(element.get("id"))
    for path in walk_files(addon, ".csv"):
        with open(path, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row.get("id"):
                    ids.add(row["id"])
    # fields of local models: field_<model>__<name>
    for model in addon_index.defined:
        for name in addon_index.fields(model):
            ids.add("field_%s__%s" % (model.replace(".", "_"), name))
    return ids


def check_refs(addon, module, trees, family_ids, closure, results):
    """``family_ids``: {family module: its XML ids}; ``closure``: ``module`` and its
    family dependencies."""

    def check(ref, where):
        ref = ref.strip().lstrip("!")
        if not ref:
            return
        owner, name = ref.split(".", 1) if "." in ref else (module, ref)
        if owner not in family_ids:
            return  # an Odoo module's id: not checked here
        if owner not in closure:
            results.add("xml-refs", False, "%s: %s names %s, which %s does not depend on" % (where, ref, owner, module))
            return
        ok = name in family_ids[owner]
        results.add("xml-refs", ok, "%s: %s %s" % (where, ref, "exists" if ok else "is not defined in %s" % owner))

    for path, tree in trees.items():
        for element in tree.getroot().iter():
            if not isinstance(element.tag, str):
                continue
            line = "%s:%s <%s>" % (rel(path, addon), line_of(element), element.tag)
            if element.get("ref"):
                check(element.get("ref"), line)
            for attr in ("eval", "context", "domain", "name", "action"):
                value = element.get(attr) or ""
                for ref in REF_CALL_RE.findall(value):
                    check(ref, line)
                for ref in PERCENT_REF_RE.findall(value):
                    check(ref, line)
            if element.tag == "menuitem":
                for attr in ("parent", "action"):
                    if element.get(attr):
                        check(element.get(attr), line)
            if element.get("groups"):
                for ref in element.get("groups").split(","):
                    check(ref, line)
            if element.text and element.tag == "field":
                for ref in PERCENT_REF_RE.findall(element.text):
                    check(ref, line)
    for path in walk_files(addon, ".csv"):
        with open(path, encoding="utf-8", newline="") as handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                for column, value in row.items():
                    if column and column.endswith(":id") and value:
                        check(value, "%s:%s %s" % (rel(path, addon), line, column))


VIEW_MODE_RE = re.compile(r"""['"]view_mode['"]\s*:\s*['"]([\w,]+)['"]""")
SERIES_FREE_VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")


def check_dialect(addon, module, manifest, trees, results):
    """The 18 dialect (see xml-dialect above), one item per data file and per manifest."""
    version = str(manifest.get("version", ""))
    results.add(
        "xml-dialect",
        bool(SERIES_FREE_VERSION_RE.match(version)),
        "%s/__manifest__.py: version %r %s"
        % (
            module,
            version,
            "is series-free"
            if SERIES_FREE_VERSION_RE.match(version)
            else "must be series-free (x.y.z, e.g. 1.0.0): Odoo 18 refuses 17.0.x.y.z, 19 does not install it",
        ),
    )
    for path, tree in trees.items():
        where = "%s/%s" % (module, rel(path, addon))
        faults = []
        for record in tree.getroot().iter("record"):
            model = record.get("model")
            for field in record.findall("field"):
                name = field.get("name")
                line = line_of(field)
                if model == "ir.ui.view" and name == "arch":
                    for element in field.iter():
                        if element.tag == "tree":
                            faults.append("%s: <tree> (write <list>)" % line_of(element))
                        if element.tag == "search":
                            for group in element.iter("group"):
                                if group.get("expand") is not None or group.get("string") is not None:
                                    faults.append("%s: search <group> with expand/string" % line_of(group))
                if name == "view_mode":
                    modes = (field.text or "").split(",")
                    if "tree" in [m.strip() for m in modes]:
                        faults.append("%s: view_mode tree (write list)" % line)
                for mode in VIEW_MODE_RE.findall(field.get("eval") or ""):
                    if "tree" in mode.split(","):
                        faults.append("%s: 'view_mode': 'tree' (write list)" % line)
                if model == "ir.cron" and name == "numbercall":
                    faults.append("%s: numbercall (gone in 18; compat adds it on 17)" % line)
        results.add(
            "xml-dialect",
            not faults,
            "%s: %s" % (where, "; ".join(faults) if faults else "Odoo 18 dialect"),
        )


def supported_majors(compat_init):
    """SUPPORTED_MAJORS of a compat/__init__.py (a tuple of ints), read with ast."""
    with open(compat_init, encoding="utf-8") as handle:
        tree = ast.parse(handle.read(), filename=compat_init)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "SUPPORTED_MAJORS" for target in node.targets
        ):
            return tuple(ast.literal_eval(node.value))
    return None


def versions_sh_supported(path):
    """PLANSYNC_SUPPORTED=(...) of scripts/odoo/versions.sh (a tuple of ints)."""
    with open(path, encoding="utf-8") as handle:
        match = re.search(r"^PLANSYNC_SUPPORTED=\(([^)]*)\)", handle.read(), re.M)
    return tuple(int(v) for v in match.group(1).split()) if match else None


def check_supported_versions(addon, module, results, versions_sh):
    """A module with a compat package: its SUPPORTED_MAJORS equal versions.sh's PLANSYNC_SUPPORTED."""
    compat_init = os.path.join(addon, "compat", "__init__.py")
    if not os.path.isfile(compat_init):
        return
    ours = supported_majors(compat_init)
    if not os.path.isfile(versions_sh):
        results.add("supported-versions", True, "%s/compat: %s unchecked (no %s)" % (module, ours, versions_sh))
        return
    theirs = versions_sh_supported(versions_sh)
    results.add(
        "supported-versions",
        bool(ours) and ours == theirs,
        "%s/compat SUPPORTED_MAJORS %s, scripts/odoo/versions.sh PLANSYNC_SUPPORTED %s" % (module, ours, theirs),
    )


def is_addon(path):
    return os.path.isfile(os.path.join(path, "__manifest__.py"))


def addons_of(folder):
    """The modules (folders with a __manifest__.py) directly under ``folder``."""
    return [os.path.join(folder, name) for name in sorted(os.listdir(folder)) if is_addon(os.path.join(folder, name))]


def family_closure(module, depends):
    """``module`` and the family modules it depends on, directly or not."""
    closure, todo = [], [module]
    while todo:
        name = todo.pop()
        if name in closure:
            continue
        closure.append(name)
        todo.extend(dep for dep in depends.get(name, ()) if dep in depends)
    return closure


def run(paths, odoo_src):
    """Check the modules named by ``paths`` (modules or folders of modules) with
    their siblings as family."""
    results = Results()
    targets, family = [], {}
    for path in paths:
        path = os.path.abspath(path).rstrip(os.sep)
        if is_addon(path):
            targets.append(path)
            siblings = addons_of(os.path.dirname(path))
        elif os.path.isdir(path):
            siblings = addons_of(path)
            targets.extend(siblings)
        else:
            results.add("manifest-data", False, "%s has no __manifest__.py" % path)
            continue
        for sibling in siblings:
            family.setdefault(os.path.basename(sibling), sibling)
    if not targets:
        results.add("manifest-data", False, "no module found in %s" % ", ".join(paths))
        return results
    depends, indexes, trees_of, manifests = {}, {}, {}, {}
    for name, path in family.items():
        quiet = Results()  # siblings that are not targets are read, not reported
        manifests[name] = read_manifest(path, quiet)
        depends[name] = list(manifests[name].get("depends", []))
        indexes[name] = ModelIndex()
        indexes[name].add_tree(path)
    odoo_base = None
    if odoo_src and os.path.isdir(odoo_src):
        odoo_base = ModelIndex()
        for sub in ("addons", os.path.join("odoo", "addons")):
            root = os.path.join(odoo_src, sub)
            if os.path.isdir(root):
                odoo_base.add_tree(root)
    family_ids = {}
    for name, path in family.items():
        trees_of[name] = parse_xml(path, Results())
        family_ids[name] = defined_ids(trees_of[name], indexes[name], path)
    for addon in targets:
        module = os.path.basename(addon)
        check_python(addon, results)
        trees = parse_xml(addon, results)
        manifest = read_manifest(addon, results)
        check_manifest(addon, manifest, results)
        closure = family_closure(module, depends)
        addon_index = ModelIndex()
        for name in closure:
            addon_index.classes += indexes[name].classes
            for model, files in indexes[name].defined.items():
                addon_index.defined.setdefault(model, []).extend(files)
        odoo_index = None
        if odoo_base is not None:
            odoo_index = ModelIndex()
            odoo_index.classes = odoo_base.classes + addon_index.classes
            odoo_index.defined = dict(odoo_base.defined)
            for model, files in addon_index.defined.items():
                odoo_index.defined.setdefault(model, files)
        check_access(addon, module, addon_index, odoo_index, results)
        check_view_fields(addon, trees, addon_index, odoo_index, results)
        check_refs(addon, module, trees, family_ids, closure, results)
        check_dialect(addon, module, manifest, trees, results)
        check_supported_versions(addon, module, results, VERSIONS_SH)
    return results


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    as_json = "--json" in argv
    paths = args or [DEFAULT_ADDONS]
    odoo_src = os.environ.get("ODOO_SRC", "/opt/odoo-src")
    results = run(paths, odoo_src)
    if as_json:
        print(json.dumps(results.items, indent=1))
    else:
        checks = {}
        for item in results.items:
            entry = checks.setdefault(item["check"], [0, 0, 0])
            entry[0 if item["ok"] else 1] += 1
            if item["ok"] and "unchecked" in item["detail"]:
                entry[2] += 1
        for check, (ok, failed, unchecked) in checks.items():
            print("%-16s %4d ok %4d failed%s" % (check, ok, failed, " (%d unchecked)" % unchecked if unchecked else ""))
        for item in results.failed:
            print("FAIL %s: %s" % (item["check"], item["detail"]))
        print("odoo source: %s" % (odoo_src if os.path.isdir(odoo_src or "") else "absent"))
        print("FAILED" if results.failed else "OK")
    return 1 if results.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
