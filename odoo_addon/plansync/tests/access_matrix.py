# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The access matrix of docs/security.md, read by the matrix tests of each module.

The document is the expected matrix: its tables are parsed here and every module's
``test_access_matrix`` compares them with what Odoo does, in both directions (a
row or a method the document misses fails, and so does a row it has that does not
exist). Helpers only: no test runs from this file.

Roles (columns): ``employee`` an internal user in no PlanSync group, ``user`` an
internal user in PlanSync / User, ``manager`` an internal user in PlanSync /
Manager, ``integration`` a user in PlanSync / Integration and in no other group
(as docs/security.md sets the agent's user up).
"""
import inspect
import os
import re
from contextlib import contextmanager

from odoo import Command
from odoo.exceptions import AccessError
from odoo.modules.module import get_module_path

ROLES = ("employee", "user", "manager", "integration")
OPERATIONS = (("r", "read"), ("w", "write"), ("c", "create"), ("u", "unlink"))
FAMILY = ("plansync", "plansync_planning", "plansync_inventory")
ROW_RE = re.compile(r"^\|(.+)\|\s*$")


def doc_path():
    """docs/security.md of the checkout the addons are in."""
    return os.path.normpath(os.path.join(get_module_path("plansync"), "..", "..", "docs", "security.md"))


def _cells(line):
    return [cell.strip().strip("`").strip() for cell in ROW_RE.match(line).group(1).split("|")]


def parse_tables(text):
    """{section title: [row dicts]} of every table that follows a ``## `` heading."""
    tables, section, header = {}, None, None
    for line in text.splitlines():
        if line.startswith("## "):
            section, header = line[3:].strip(), None
            continue
        if not section or not ROW_RE.match(line):
            header = None if not line.strip() else header
            continue
        cells = _cells(line)
        if header is None:
            header = cells
            tables.setdefault(section, [])
        elif set("".join(cells)) <= set("-: "):
            continue  # the |---| line
        else:
            tables[section].append(dict(zip(header, cells)))
    return tables


def load(case):
    """The tables of docs/security.md; skips ``case`` (with the reason) outside a checkout."""
    path = doc_path()
    if not os.path.exists(path):
        case.skipTest(
            "%s not found: the access matrix is checked from a checkout of the PlanSync "
            "repository (the addons beside docs/)" % path
        )
    with open(path, encoding="utf-8") as handle:
        return parse_tables(handle.read())


VERSIONED_RE = re.compile(r"([a-z-]+)\s*\(([\d,\s]+)\)")


def expected(cell):
    """The value a cell expects on the running Odoo: ``r``, or per version
    ``rwcu (17) r (18, 19)`` where Odoo's own grants differ between versions."""
    from .. import compat

    parts = VERSIONED_RE.findall(cell)
    if not parts:
        return cell
    for value, versions in parts:
        if str(compat.MAJOR) in [v.strip() for v in versions.split(",")]:
            return value
    raise AssertionError("docs/security.md: cell %r names no value for Odoo %s" % (cell, compat.MAJOR))


def rows_of(tables, section, module):
    rows = [row for row in tables.get(section, []) if row.get("module") == module]
    if not rows:
        raise AssertionError("docs/security.md has no row of module %s under '## %s'" % (module, section))
    return rows


def make_role_users(env, company, suffix):
    """{role: res.users} of ``company`` (with the compat group field)."""
    from .. import compat

    def user(role, groups):
        return (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Matrix %s %s" % (role, suffix),
                    "login": "plansync-matrix-%s-%s" % (role, suffix),
                    "company_id": company.id,
                    "company_ids": [Command.set(company.ids)],
                    compat.USER_GROUPS: [Command.set([env.ref(g).id for g in groups])],
                }
            )
        )

    return {
        "employee": user("employee", ["base.group_user"]),
        "user": user("user", ["base.group_user", "plansync.group_plansync_user"]),
        "manager": user("manager", ["base.group_user", "plansync.group_plansync_manager"]),
        "integration": user("integration", ["plansync.group_plansync_integration"]),
    }


def observed_rights(env, model, user):
    """The ``rwcu`` letters ``user`` has on ``model`` by its access rules ('-': none)."""
    access = env["ir.model.access"].with_user(user)
    letters = "".join(
        letter for letter, operation in OPERATIONS if access.check(model, operation, raise_exception=False)
    )
    return letters or "-"


def has_company_rule(env, model):
    """Whether a global record rule of ``model`` limits it to the user's companies."""
    rules = env["ir.rule"].sudo().search([("model_id.model", "=", model), ("global", "=", True)])
    return any("company_ids" in (rule.domain_force or "") for rule in rules)


def own_models(env, module):
    """The concrete PlanSync models that ``module`` defines."""
    return {
        name
        for name in env.registry
        if name.startswith("plansync.") and not env[name]._abstract and env[name]._original_module == module
    }


def public_methods(env, module):
    """{(model, method)} of the public methods that the classes of ``module`` add
    to any model (overrides of Odoo's own methods left out): what RPC can call."""
    prefix = "odoo.addons.%s." % module
    family = tuple("odoo.addons.%s." % name for name in FAMILY)
    found = set()
    for name in env.registry:
        cls = type(env[name])
        odoo_names = set()
        for klass in cls.__mro__:
            if not klass.__module__.startswith(family):
                odoo_names.update(vars(klass))
        for klass in cls.__mro__:
            if not klass.__module__.startswith(prefix):
                continue
            for attr, member in vars(klass).items():
                if attr.startswith("_") or attr in odoo_names or not inspect.isfunction(member):
                    continue
                found.add((name, attr))
    return found


class _Rollback(Exception):
    pass


@contextmanager
def rolled_back(env):
    """Run the block in a savepoint that is always rolled back."""
    try:
        with env.cr.savepoint():
            yield
            env.flush_all()
            raise _Rollback()
    except _Rollback:
        pass
    env.invalidate_all()


def outcome(env, call):
    """'no' when ``call()`` raises AccessError, else 'yes' (another refusal such as
    a state check means the caller got past the access checks). Rolled back."""
    result = "yes"
    try:
        with rolled_back(env):
            call()
    except AccessError:
        result = "no"
    except Exception:  # noqa: BLE001 - a refusal other than access: the caller may call
        env.invalidate_all()
    return result


class MatrixMixin:
    """The comparisons every module's matrix test makes; ``MODULE`` names the module."""

    MODULE = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # one user per role, for the whole class (a test's own records are rolled back)
        cls._matrix_users = make_role_users(cls.env, cls.env.company, cls.MODULE)
        cls.env.flush_all()

    @classmethod
    def make_company_b(cls, label):
        """Company B and its own integration user (not an internal user), for the rows "Across
        companies": sets ``cls.company_b`` and ``cls.agent_b``."""
        from .common import make_user  # pylint: disable=import-outside-toplevel

        cls.company_b = cls.env["res.company"].create({"name": "PlanSync Matrix B (%s)" % label})
        cls.agent_b = make_user(
            cls.env,
            "Agent of B (%s matrix)" % label,
            "plansync-matrix-%s-b" % label,
            cls.company_b,
            cls.group_integration,
            internal=False,
        )

    def matrix_users(self):
        return self._matrix_users

    def check_model_rows(self):
        tables = load(self)
        rows = rows_of(tables, "Model access", self.MODULE)
        documented = {row["model"]: row for row in rows}
        plansync_rows = {m for m in documented if m.startswith("plansync.")}
        self.assertEqual(
            plansync_rows,
            own_models(self.env, self.MODULE),
            "the PlanSync models of %s in docs/security.md (left) differ from the registry's (right)" % self.MODULE,
        )
        users = self.matrix_users()
        differences = []
        for model, row in sorted(documented.items()):
            if model not in self.env:
                differences.append("%s: not a model of this database" % model)
                continue
            for role in ROLES:
                want = expected(row[role])
                seen = observed_rights(self.env, model, users[role])
                if seen != want:
                    differences.append("%s, %s: documented %s, Odoo gives %s" % (model, role, want, seen))
                # the access rules as a real search sees them
                try:
                    self.env[model].with_user(users[role]).search([], limit=1)
                    searched = True
                except AccessError:
                    searched = False
                if searched != ("r" in want):
                    differences.append("%s, %s: a search %s" % (model, role, "succeeds" if searched else "is refused"))
            rule = "rule" if has_company_rule(self.env, model) else "-"
            if rule != expected(row["companies"]):
                differences.append("%s: companies documented %s, Odoo has %s" % (model, row["companies"], rule))
        self.assertFalse(differences, "access matrix != docs/security.md:\n" + "\n".join(differences))

    def check_method_rows(self, calls):
        """``calls``: {(model, method): function(env of a role) -> None}."""
        tables = load(self)
        rows = rows_of(tables, "Methods", self.MODULE)
        documented = {(row["model"], row["method"]): row for row in rows}
        self.assertEqual(
            set(documented),
            public_methods(self.env, self.MODULE),
            "the public methods of %s in docs/security.md (left) differ from the code's (right)" % self.MODULE,
        )
        self.assertEqual(set(calls), set(documented), "every documented method has a call in the test")
        users = self.matrix_users()
        differences = []
        for key, row in sorted(documented.items()):
            for role in ROLES:
                env = self.env(user=users[role])
                seen = outcome(self.env, lambda: calls[key](env))
                if seen != expected(row[role]):
                    differences.append("%s.%s, %s: documented %s, observed %s" % (key + (role, row[role], seen)))
        self.assertFalse(differences, "methods != docs/security.md:\n" + "\n".join(differences))

    def check_company_rows(self, observers, pending=(), pending_reason=""):
        """``observers``: {method: function() -> observed outcome string}.
        A difference on a ``pending`` method (a fix another branch brings) skips
        the test with ``pending_reason`` once every other row matched."""
        tables = load(self)
        rows = rows_of(tables, "Across companies", self.MODULE)
        documented = {row["method"]: row["outcome"] for row in rows}
        self.assertEqual(set(documented), set(observers), "the cross-company rows of %s" % self.MODULE)
        differences, waiting = [], []
        for method, expected in sorted(documented.items()):
            seen = observers[method]()
            if seen != expected:
                line = "%s: documented %s, observed %s" % (method, expected, seen)
                (waiting if method in pending else differences).append(line)
        self.assertFalse(differences, "isolation != docs/security.md:\n" + "\n".join(differences))
        if waiting:
            self.skipTest("PENDING %s: %s" % (pending_reason, "; ".join(waiting)))
