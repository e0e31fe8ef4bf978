# Run inside `odoo-bin shell -d <db>` after scripts/bench/synth_demand.py: first figures of the
# demand backfill.
#
#   BENCH_PAGE        enqueue_history page size (default 10000)
#   BENCH_CLAIM       claim size (default 1000)
#   BENCH_CLAIM_ROWS  how many demand lines to claim, render and ack (default 100000; 0: all)
#
# 1. enqueue_history("demand.line") page after page as the integration user, one transaction per
#    call (as over RPC), timing each call, until done;
# 2. claim + ack of demand lines, BENCH_CLAIM at a time, as the integration user, one transaction
#    per call, timing claim (scan, lock, render) and ack separately.
# The endpoint BENCH-HISTORY is recreated empty on every run.
import json
import os
import statistics
import time

from odoo import Command

env = env  # noqa: F821 (odoo-bin shell)
page = int(os.environ.get("BENCH_PAGE", "10000"))
claim_size = int(os.environ.get("BENCH_CLAIM", "1000"))
claim_rows = int(os.environ.get("BENCH_CLAIM_ROWS", "100000"))

company = env.company
Endpoint = env["plansync.endpoint"].with_context(active_test=False, tracking_disable=True)
Endpoint.search([("code", "=", "BENCH-HISTORY")]).unlink()  # cascades to its outbox rows
endpoint = Endpoint.create(
    {
        "name": "Bench history",
        "code": "BENCH-HISTORY",
        "kind": "planning",
        "company_id": company.id,
        "event_type_ids": [Command.set(env["plansync.event.type"].search([("code", "=", "demand.line")]).ids)],
    }
)
user = env["res.users"].with_context(active_test=False).search([("login", "=", "bench-history-agent")])
if not user:
    user = (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            {
                "name": "Bench history agent",
                "login": "bench-history-agent",
                "company_id": company.id,
                "company_ids": [Command.set(company.ids)],
                "groups_id": [
                    Command.set([env.ref("base.group_user").id, env.ref("plansync.group_plansync_integration").id])
                ],
            }
        )
    )
env.cr.commit()
outbox = env(user=user.id)["plansync.outbox"]

# 1. enqueue_history
timings, cursor, total, result = [], 0, 0, {"done": False}
started = time.perf_counter()
while not result["done"]:
    call = time.perf_counter()
    result = outbox.enqueue_history(endpoint.code, "demand.line", False, cursor, page)
    env.cr.commit()
    timings.append(time.perf_counter() - call)
    cursor = result["cursor"]
    total += result["enqueued"]
    if len(timings) % 10 == 0:
        print(
            "PAGE %s enqueued=%s remaining=%s %.0f ms" % (len(timings), total, result["remaining"], timings[-1] * 1000)
        )
history_seconds = time.perf_counter() - started
again = time.perf_counter()
second = outbox.enqueue_history(endpoint.code, "demand.line", False, 0, page)
env.cr.rollback()
again_ms = (time.perf_counter() - again) * 1000
history = {
    "page": page,
    "pages": len(timings),
    "enqueued": total,
    "seconds": round(history_seconds, 2),
    "pages_per_second": round(len(timings) / history_seconds, 2),
    "rows_per_second": round(total / history_seconds),
    "page_ms": {
        "min": round(min(timings) * 1000, 1),
        "median": round(statistics.median(timings) * 1000, 1),
        "max": round(max(timings) * 1000, 1),
    },
    "second_pass_page_ms": round(again_ms, 1),
    "second_pass": second,
}
print("HISTORY " + json.dumps(history))

# 2. claim + render + ack
claim_timings, ack_timings, claimed = [], [], 0
started = time.perf_counter()
while not claim_rows or claimed < claim_rows:
    call = time.perf_counter()
    batch = outbox.claim(endpoint.code, claim_size, 300, "bench:1")
    env.cr.commit()
    claim_timings.append(time.perf_counter() - call)
    if not batch["events"]:
        break
    call = time.perf_counter()
    outbox.ack(batch["lease"], [event["id"] for event in batch["events"]])
    env.cr.commit()
    ack_timings.append(time.perf_counter() - call)
    claimed += len(batch["events"])
claim_seconds = time.perf_counter() - started
env.cr.execute("SELECT count(*) FROM plansync_outbox WHERE endpoint_id = %s AND state = 'dead'", (endpoint.id,))
dead = env.cr.fetchone()[0]
print(
    "CLAIM "
    + json.dumps(
        {
            "claim_size": claim_size,
            "events": claimed,
            "dead": dead,
            "seconds": round(claim_seconds, 2),
            "events_per_second": round(claimed / claim_seconds),
            "claim_ms_median": round(statistics.median(claim_timings) * 1000, 1),
            "ack_ms_median": round(statistics.median(ack_timings) * 1000, 1) if ack_timings else 0,
        }
    )
)
