# Run inside `odoo-bin shell -d <db>` by scripts/test-odoo.sh: creates what the real tier needs
# and writes its credentials (JSON) to the path in PLANSYNC_TIER_FILE.
# - an integration user (PlanSync / Integration only, not an internal user: docs/security.md)
#   with an API key,
# - a planner (internal user + PlanSync / User) with an API key,
# - a second company the integration user does not belong to,
# - the admin's password set to the value of PLANSYNC_TIER_ADMIN_PASSWORD.
# API keys cannot be made over RPC (Odoo asks for the password in a browser session), hence the shell.
import json
import os

from odoo import Command
from odoo.addons.plansync import compat  # the Odoo version seams (user groups, API keys)

env = env  # noqa: F821 (provided by odoo-bin shell)
out = os.environ["PLANSYNC_TIER_FILE"]
admin_password = os.environ["PLANSYNC_TIER_ADMIN_PASSWORD"]

Users = env["res.users"].with_context(no_reset_password=True)
company = env.ref("base.main_company")
group_user = env.ref("base.group_user")


def user(login, groups, internal=True):
    record = Users.search([("login", "=", login)])
    if not record:
        record = Users.create(
            {
                "name": login,
                "login": login,
                "company_id": company.id,
                "company_ids": [Command.set(company.ids)],
                compat.USER_GROUPS: [
                    Command.set(([group_user.id] if internal else []) + [env.ref(g).id for g in groups])
                ],
            }
        )
    key = compat.new_api_key(record, "plansync real tier")
    return {"login": login, "id": record.id, "api_key": key}


integration = user("plansync-agent", ["plansync.group_plansync_integration"], internal=False)
planner = user("plansync-planner", ["plansync.group_plansync_user"])
other = env["res.company"].search([("name", "=", "PlanSync Other Company")], limit=1) or env["res.company"].create(
    {"name": "PlanSync Other Company"}
)
env.ref("base.user_admin").write({"password": admin_password, "company_ids": [Command.link(other.id)]})
env.cr.commit()
with open(out, "w") as handle:
    json.dump(
        {
            "integration": integration,
            "planner": planner,
            "admin": {"login": "admin", "password": admin_password},
            "company_id": company.id,
            "other_company_id": other.id,
        },
        handle,
    )
print("real tier set-up written to %s" % out)
