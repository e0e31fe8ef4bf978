"""Figures of scripts/bench/odoo-bench.sh (one Odoo version) and scripts/bench/versions-bench.sh (side by side).

Every figure is one JSON line (prefixed `FIGURE `) with the Odoo version it was measured on:
  capture_overhead        from the BENCH lines of capture_overhead.py (this script's `capture` command)
  throughput              from agent-bench.ts
  receipt_to_endpoint_ms  from agent-bench.ts
each with load_start and load_end, the machine's 1/5/15-minute load averages (/proc/loadavg) when the
measurement started and ended.

  python3 bench_figures.py capture CAPTURE.jsonl VERSION "LOAD_START" "LOAD_END"   -> one FIGURE line
  python3 bench_figures.py report FIGURES.jsonl [VERSION]                          -> the figures, one per line
  python3 bench_figures.py table FIGURES.jsonl                                     -> one table, a column per version
"""
import json
import statistics
import sys


def loadavg():
    try:
        with open("/proc/loadavg") as handle:
            return [float(x) for x in handle.read().split()[:3]]
    except OSError:
        return None


def parse_load(text):
    parts = text.split()[:3]
    return [float(x) for x in parts] if len(parts) == 3 else None


def figures(path):
    out = []
    with open(path) as handle:
        for line in handle:
            if line.startswith("FIGURE "):
                out.append(json.loads(line[7:]))
    return out


def capture(path, version, load_start, load_end):
    rows = []
    with open(path) as handle:
        rows = [json.loads(line[6:]) for line in handle if line.startswith("BENCH ")]

    def summary(tag):
        times = sorted(t for r in rows if r["tag"] == tag for t in r["times"])
        if not times:
            return None
        return {
            "n": len(times),
            "total_s": sum(times),
            "median_ms": statistics.median(times) * 1000,
            "mean_ms": statistics.mean(times) * 1000,
            "p95_ms": times[max(0, int(0.95 * len(times)) - 1)] * 1000,
        }

    a, b = summary("without"), summary("with")
    figure = {
        "figure": "capture_overhead",
        "version": version,
        "without": a,
        "with": b,
        "load_start": parse_load(load_start),
        "load_end": parse_load(load_end),
    }
    if a and b:
        figure["overhead_median_pct"] = (b["median_ms"] / a["median_ms"] - 1) * 100
        figure["overhead_total_pct"] = (b["total_s"] / a["total_s"] - 1) * 100
    print("FIGURE " + json.dumps(figure))


def load_text(f):
    s, e = f.get("load_start"), f.get("load_end")
    if not s or not e:
        return "load n/a"
    return "load %.2f -> %.2f" % (s[0], e[0])


def report(path, version=None):
    for f in figures(path):
        if version and f.get("version") != version:
            continue
        v = f.get("version", "?")
        if f["figure"] == "capture_overhead":
            a, b = f["without"], f["with"]
            if not (a and b):
                print("[%s] capture overhead: no figures" % v)
                continue
            print(
                "[%s] capture overhead: validate a receipt of 3 lines and commit (ms), alternating rounds in one run  (%s)"
                % (v, load_text(f))
            )
            print("  %-34s %6s %8s %8s %8s %9s" % ("", "n", "median", "mean", "p95", "total s"))
            for name, s in (("without the addon", a), ("with the addon, 2 endpoints x all", b)):
                print(
                    "  %-34s %6d %8.1f %8.1f %8.1f %9.2f"
                    % (name, s["n"], s["median_ms"], s["mean_ms"], s["p95_ms"], s["total_s"])
                )
            print("  overhead: median %+.1f%%, total %+.1f%%" % (f["overhead_median_pct"], f["overhead_total_pct"]))
        elif f["figure"] == "throughput":
            print(
                "[%s] throughput %-52s %6d events in %6.2f s = %5d events/s (duplicates %d, out of order %d, left %d; %s; %s)"
                % (
                    v,
                    f["label"],
                    f["events"],
                    f["seconds"],
                    f["events_per_second"],
                    f["duplicates"],
                    f["out_of_order"],
                    f["left_pending"],
                    f.get("transport", "?"),
                    load_text(f),
                )
            )
        else:
            print(
                "[%s] receipt validated -> stock.level at the endpoint, %-18s p50 %4d ms, p95 %4d ms, max %4d ms (%d receipts; %s; %s)"
                % (v, f["label"], f["p50"], f["p95"], f["max"], f["receipts"], f.get("transport", "?"), load_text(f))
            )


def table(path):
    all_figures = figures(path)
    versions = []
    for f in all_figures:
        if f.get("version") not in versions:
            versions.append(f.get("version"))
    versions.sort(key=lambda v: [int(x) for x in str(v).split(".") if x.isdigit()] or [0])
    by = {v: [f for f in all_figures if f.get("version") == v] for v in versions}

    def cell_load(f):
        return "" if not f else " [%s]" % load_text(f).replace("load ", "")

    def capture_cell(v, what):
        f = next((x for x in by[v] if x["figure"] == "capture_overhead"), None)
        if not f or not f["without"] or not f["with"]:
            return "n/a"
        if what == "medians":
            return "%.1f / %.1f" % (f["without"]["median_ms"], f["with"]["median_ms"]) + cell_load(f)
        return "%+.1f%% (total %+.1f%%)" % (f["overhead_median_pct"], f["overhead_total_pct"])

    def throughput_cell(v, event, tuned):
        for f in by[v]:
            if (
                f["figure"] == "throughput"
                and f["label"].startswith(event)
                and (("defaults" not in f["label"]) == tuned)
            ):
                return "%d" % f["events_per_second"] + cell_load(f)
        return "n/a"

    def delay_cell(v, poll):
        for f in by[v]:
            if f["figure"] == "receipt_to_endpoint_ms" and f["poll_seconds"] == poll:
                return "%d / %d / %d" % (f["p50"], f["p95"], f["max"]) + cell_load(f)
        return "n/a"

    def transport_cell(v):
        names = sorted({f["transport"] for f in by[v] if f.get("transport")})
        return ", ".join(names) or "n/a"

    rows = [
        ("capture: median ms without / with", lambda v: capture_cell(v, "medians")),
        ("capture overhead (median)", lambda v: capture_cell(v, "pct")),
        ("throughput product.changed, defaults (ev/s)", lambda v: throughput_cell(v, "product.changed", False)),
        ("throughput product.changed, tuned (ev/s)", lambda v: throughput_cell(v, "product.changed", True)),
        ("throughput stock.level, defaults (ev/s)", lambda v: throughput_cell(v, "stock.level", False)),
        ("throughput stock.level, tuned (ev/s)", lambda v: throughput_cell(v, "stock.level", True)),
        ("receipt -> endpoint, poll 1 s: p50/p95/max ms", lambda v: delay_cell(v, 1)),
        ("receipt -> endpoint, poll 0.2 s: p50/p95/max ms", lambda v: delay_cell(v, 0.2)),
        ("agent transport (auto)", transport_cell),
    ]
    head = ["figure"] + ["Odoo %s" % v for v in versions]
    body = [[name] + [fn(v) for v in versions] for name, fn in rows]
    widths = [max(len(r[i]) for r in [head] + body) for i in range(len(head))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    print(line(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in body:
        print(line(r))
    print("[a -> b] after a figure: the 1-minute load average at the start and at the end of its measurement")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "capture":
        capture(*sys.argv[2:6])
    elif command == "report":
        report(*sys.argv[2:4])
    elif command == "table":
        table(sys.argv[2])
    elif command == "load":
        print(" ".join(str(x) for x in (loadavg() or [])))
    else:
        sys.exit("unknown command %r" % command)
