# Run inside `odoo-bin shell -d <db>` by scripts/odoo-suites.sh: Odoo's own test suites (at_install
# and post_install) of the modules named in PLANSYNC_SUITES_MODULES, in a registry where every
# installed module is loaded (so PlanSync's capture is active, as it is for users), and writes one
# JSON object {test id: "ok" | "fail" | "error" | "skip"} to PLANSYNC_SUITES_OUT.
#
# PLANSYNC_SUITES_SUBSCRIBE=1 first gives one active webhook endpoint every event type (capture on for
# everything). Browser tours (HttpCase) are left out: they need a browser and measure Odoo's JS.
import json
import os

# What a run means: bump it when a change of this script changes which tests run or how an outcome is
# recorded (scripts/odoo-suites.sh keys its cached results on it, not on this file's bytes).
RUNNER_VERSION = 1
import threading
import time
import unittest

import odoo

odoo.tools.config["test_enable"] = True  # before odoo.tests is imported (it warns otherwise)
from odoo.modules import module as odoo_module  # noqa: E402
from odoo.tests import loader  # noqa: E402
from odoo.tests.common import HttpCase  # noqa: E402

MAJOR = odoo.release.version_info[0]
# 17 nests suites (loader.unwrap_suite flattens them); 18 and 19 give the test cases directly
tests_of = getattr(loader, "unwrap_suite", None) or list

env = env  # noqa: F821 (provided by odoo-bin shell)
modules = [m for m in os.environ["PLANSYNC_SUITES_MODULES"].split(",") if m]
out = os.environ["PLANSYNC_SUITES_OUT"]
excluded = set(filter(None, os.environ.get("PLANSYNC_SUITES_EXCLUDE", "").split(",")))

installed = set(env["ir.module.module"].search([("state", "=", "installed")]).mapped("name"))
modules = [m for m in modules if m in installed]

if os.environ.get("PLANSYNC_SUITES_SUBSCRIBE") == "1":
    if "plansync" not in installed:
        raise SystemExit("PLANSYNC_SUITES_SUBSCRIBE=1 but plansync is not installed")
    types = env["plansync.event.type"].with_context(active_test=False).search([])
    types.write({"active": True})
    env["plansync.endpoint"].search([("code", "=", "SUITES-ALL")]) or env["plansync.endpoint"].create(
        {
            "name": "Everything",
            "code": "SUITES-ALL",
            "kind": "webhook",
            "url": "http://127.0.0.1:9/",
            "event_type_ids": [(6, 0, types.ids)],
        }
    )
    print("suites: endpoint SUITES-ALL subscribed to %d event types" % len(types))
env.cr.commit()

odoo.tools.config["test_tags"] = os.environ.get("PLANSYNC_SUITES_TAGS") or "standard"
results = {}


class Recorder(odoo.tests.result.OdooTestResult):
    """Odoo's own result class (it logs each failure with its traceback) that also remembers each
    test's outcome."""

    def __init__(self):
        super().__init__()
        self.outcomes = {}

    def addError(self, test, err):
        super().addError(test, err)
        self.outcomes[test_id(test)] = "error"

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.outcomes[test_id(test)] = "fail"

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            failure = issubclass(err[0], test.failureException)
            self.outcomes.setdefault(test_id(test), "fail" if failure else "error")

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.outcomes[test_id(test)] = "skip"


def test_id(test):
    if not hasattr(test, "_testMethodName"):  # unittest's _ErrorHolder: setUpClass failed
        return getattr(test, "description", repr(test))
    return "%s.%s.%s" % (
        test.__class__.__module__.replace("odoo.addons.", ""),
        test.__class__.__name__,
        test._testMethodName,
    )


started = time.time()
for module_name in modules:
    for position in ("at_install", "post_install"):
        suite = loader.make_suite([module_name], position)
        tests = [t for t in tests_of(suite) if not isinstance(t, HttpCase)]
        tests = [t for t in tests if test_id(t) not in excluded]
        if not tests:
            continue
        suite = loader.OdooSuite(tests)
        result = Recorder()
        odoo_module.current_test = module_name if MAJOR < 18 else True
        threading.current_thread().testing = True
        try:
            suite(result)
        finally:
            threading.current_thread().testing = False
            odoo_module.current_test = None if MAJOR < 18 else False
        for t in tests:
            results[test_id(t)] = result.outcomes.get(test_id(t), "ok")
        # an error in setUpClass is reported against a placeholder (_ErrorHolder), not a test
        for tid, outcome in result.outcomes.items():
            results.setdefault(tid, outcome)
        failed = [t for t, o in result.outcomes.items() if o == "fail"]
        errored = [t for t, o in result.outcomes.items() if o == "error"]
        print(
            "suites: %s %s: %d tests, %d failed, %d errors (%.0f s)"
            % (module_name, position, len(tests), len(failed), len(errored), time.time() - started),
            flush=True,
        )

with open(out, "w") as handle:
    json.dump(results, handle, indent=0, sort_keys=True)
print("suites: %d tests written to %s" % (len(results), out))
