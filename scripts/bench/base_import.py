# Run inside `odoo-bin shell -d <db>` by scripts/bench/planning-bench.sh: Odoo's own CSV import
# (base_import, what Settings > Import does) of the proposal lines of BENCH_CSV into plansync.proposal,
# in chunks of BENCH_CHUNK lines (default 5000), one transaction each, as the admin; prints the time.
import json
import os
import time

env = env  # noqa: F821 (odoo-bin shell)
path = os.environ["BENCH_CSV"]
chunk = int(os.environ.get("BENCH_CHUNK", "5000"))
with open(path, "rb") as handle:
    data = handle.read()
header = data.split(b"\n", 1)[0].decode().split(",")
total = data.count(b"\n") - 1
Import = env["base_import.import"]
options = {"quoting": '"', "separator": ",", "has_headers": True, "encoding": "utf-8", "date_format": "%Y-%m-%d"}
started = time.perf_counter()
imported = 0
errors = []
for skip in range(0, total, chunk):
    wizard = Import.create(
        {"res_model": "plansync.proposal", "file": data, "file_name": "proposals.csv", "file_type": "text/csv"}
    )
    result = wizard.execute_import(header, header, dict(options, skip=skip, limit=chunk))
    messages = [m for m in result.get("messages", []) if m.get("type") == "error"]
    if messages:
        errors.extend(messages[:3])
        env.cr.rollback()
        break
    imported += len(result.get("ids") or [])
    env.cr.commit()
seconds = time.perf_counter() - started
print("BASEIMPORT " + json.dumps({"lines": imported, "seconds": seconds, "errors": errors[:3]}))
