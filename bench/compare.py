"""Before/after: the benchmarks of two commits, alternated on the same machine, each read against the floor.

    .venv/bin/python bench/compare.py                         # a2a0cdd against HEAD, 3 runs each (~15 min, 2 CPUs)
    .venv/bin/python bench/compare.py --before A --after B    # any two refs (B's migrations must apply on A's data)
    .venv/bin/python bench/compare.py --tiny --runs 1         # a check that everything runs

Run it on an otherwise idle machine: the figures are only as quiet as the machine (the load average at the start and
before each floor run is printed). For each ref it makes a detached git worktree under ``--work`` (removed at the
end) and runs that ref's own benchmark scripts with this interpreter and ``PYTHONPATH=<worktree>``, so the ref's code
is what is imported (the editable install of the main checkout only answers when nothing on the path does);
``bench/floor.py`` is always this checkout's copy (``--root <worktree>``), so a ref without it gets the same floor.
The ref's ``requirements.lock`` is compared with what the interpreter has installed; ``--python`` names another one.

The data are made once, not timed, by the before ref: the floor table, an events database (``bench/events.py``),
its event counters recounted (``manage.py recount_tallies event``, as after any bulk load),
a persons database (``bench/search.py`` loads the scaled demo) and an import database with its ledger
(``bench/import.py --phase prepare``). The after ref gets a copy of each, migrated by its own ``manage.py migrate``
as an installation would be (built again by the after ref if that fails), so both read the same rows. Then ``--runs``
rounds; each round runs both refs in alternating order (before, after / after, before / …), and for each ref:

* ``bench/floor.py --json`` — the one-query JSON view under ``gunicorn -w 2`` (rate, p95, CPU per request);
* ``bench/events.py --reuse`` on a fresh copy of the events database — creates through the API and Open311 (rate,
  p95, CPU of the web workers and of PostgreSQL per request), the dispatcher queue pages and the API list (p95);
* ``bench/search.py`` — search and list pages in-process (p95);
* ``bench/import.py --phase import|reimport|export`` on a fresh copy of the import database (rows/s, s, peak RSS);
* ``bench/classify.py --json`` — per-text latency, training time, held-out accuracy (which must not move).

It prints a Markdown table: the median of the runs of each ref, after/before, and each rate as a ratio to the floor
measured in the same ref's runs; then the scales, the load averages and the exact commands. The logs, every run's
figures (``results.json``) and the table (``summary.md``) stay in ``--out``. Every database it makes (``--db-prefix``)
is dropped at the end; only 127.0.0.1 is contacted.
"""

import argparse
import datetime as dt
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PG = "postgres://postgres@127.0.0.1:5432"

SCALES = {
    # 15 minutes on an idle 2-CPU machine with --runs 3
    "default": {
        "floor_rows": 1_000_000,
        "floor_seconds": 15,
        "floor_warm": 3,
        "events": 100_000,
        "communities": 200,
        "event_seconds": 10,
        "event_warm": 3,
        "pages": 60,
        "persons": 100_000,
        "search_samples": 100,
        "import_rows": 20_000,
    },  # fmt: skip
    # a check that everything runs end to end
    "tiny": {
        "floor_rows": 10_000,
        "floor_seconds": 3,
        "floor_warm": 1,
        "events": 5_000,
        "communities": 10,
        "event_seconds": 3,
        "event_warm": 1,
        "pages": 20,
        "persons": 5_000,
        "search_samples": 20,
        "import_rows": 2_000,
    },  # fmt: skip
}

# (key, label, kind): kind "rate" (higher is better, read against the floor), "ms"/"s"/"MB" (lower is better),
# "n" (a count that should not move), "%" (an accuracy that should not move).
FIGURES = [
    ("floor.rate", "floor: one-query JSON view (req/s)", "rate"),
    ("floor.p95", "floor: p95 (ms)", "ms"),
    ("floor.web_cpu", "floor: web-worker CPU per request (ms)", "ms"),
    ("floor.db_cpu", "floor: PostgreSQL backend CPU per request (ms)", "ms"),
    ("events.api_rate", "events: create through the API (req/s)", "rate"),
    ("events.api_p95", "events: create through the API, p95 (ms)", "ms"),
    ("events.api_web_cpu", "events: API create, web-worker CPU per request (ms)", "ms"),
    ("events.api_db_cpu", "events: API create, PostgreSQL CPU per request (ms)", "ms"),
    ("events.open311_rate", "events: create through Open311 (req/s)", "rate"),
    ("events.open311_p95", "events: create through Open311, p95 (ms)", "ms"),
    ("events.open311_web_cpu", "events: Open311 create, web-worker CPU per request (ms)", "ms"),
    ("events.open311_db_cpu", "events: Open311 create, PostgreSQL CPU per request (ms)", "ms"),
    ("events.queries_api", "events: SQL queries per API create", "n"),
    ("events.queries_open311", "events: SQL queries per Open311 create", "n"),
    ("events.queue_p95", "events: dispatcher queue, community staff, p95 (ms)", "ms"),
    ("events.queue_closed_p95", "events: queue of closed events, p95 (ms)", "ms"),
    ("events.queue_street_p95", "events: queue of a whole street, p95 (ms)", "ms"),
    ("events.all_p95", "events: all events, district leader, p95 (ms)", "ms"),
    ("events.api_list_p95", "events: GET /api/v1/events/, district leader, p95 (ms)", "ms"),
    ("search.name", "search by name, p95 (ms)", "ms"),
    ("search.pinyin initials", "search by pinyin initials, p95 (ms)", "ms"),
    ("search.ID number", "search by ID number, p95 (ms)", "ms"),
    ("search.phone last 4", "search by phone last 4, p95 (ms)", "ms"),
    ("search.address", "search by address, p95 (ms)", "ms"),
    ("search.list", "grid worker: first page of 实有人口, p95 (ms)", "ms"),
    ("search.api", "grid worker: /api/v1/persons/, p95 (ms)", "ms"),
    ("import.commit_rate", "import: commit (rows/s)", "rate"),
    ("import.dry_run_rate", "import: dry run (rows/s)", "rate"),
    ("import.peak", "import: peak RSS (MB)", "MB"),
    ("import.reimport_s", "re-import of the same file (s)", "s"),
    ("import.reimport_peak", "re-import: peak RSS (MB)", "MB"),
    ("import.export_s", "export of every row (s)", "s"),
    ("classify.p50", "classifier: per text, p50 (ms)", "ms"),
    ("classify.p95", "classifier: per text, p95 (ms)", "ms"),
    ("classify.train_s", "classifier: training on all data (s)", "s"),
    ("classify.top1", "classifier: held-out top-1 大类 (%)", "%"),
    ("classify.top3", "classifier: held-out top-3 小类 (%)", "%"),
]


class Runner:
    def __init__(self, out: Path, common: dict):
        self.out, self.common = out, common
        self.commands: list[str] = []

    def run(self, label: str, cmd: list[str], cwd: Path, env: dict, check: bool = True) -> str:
        """Run one command, its output to a log file; the printed form names the environment it needs."""
        shown = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items()
                         if k in ("PYTHONPATH", "DATABASE_URL") or (k in self.common and v != self.common[k]))  # fmt: skip
        line = f"(cd {shlex.quote(str(cwd))} && {shown} {shlex.join(cmd)})".replace("&&  ", "&& ")
        self.commands.append(line)
        logfile = self.out / f"{len(self.commands):03d}-{label}.log"
        with open(self.out / "commands.log", "a") as f:
            f.write(f"{dt.datetime.now():%H:%M:%S} {line}  > {logfile.name}\n")
        t = time.perf_counter()
        print(f"  {label:<28} ", end="", flush=True)
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
        logfile.write_text(f"$ {line}\n\n{proc.stdout}\n--- stderr ---\n{proc.stderr}")
        print(f"{time.perf_counter() - t:6.1f}s{'' if proc.returncode == 0 else f'  (exit {proc.returncode})'}")
        if check and proc.returncode:
            raise SystemExit(f"{label} failed, see {logfile}")
        return proc.stdout


# --- refs, worktrees, interpreter ------------------------------------------------------------------------------


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True, check=True).stdout.strip()


def make_worktree(sha: str, work: Path) -> Path:
    path = work / f"tree-{sha[:10]}"
    if not (path / "linli").is_dir():
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "--force", str(path), sha],
                       check=True, capture_output=True)  # fmt: skip
    return path


def remove_worktree(path: Path) -> None:
    subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(path)], capture_output=True)
    subprocess.run(["git", "-C", str(REPO), "worktree", "prune"], capture_output=True)


def lock_mismatches(tree: Path, python: str) -> list[str]:
    """Pinned requirements of the ref that the interpreter does not have at that version."""
    lock = tree / "requirements.lock"
    if not lock.exists():
        return []
    pins = {}
    for line in lock.read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;#]+)", line.strip())
        if m:
            pins[m.group(1)] = m.group(2)
    code = ("import json, sys\nfrom importlib import metadata\nout = {}\nfor n in json.load(sys.stdin):\n"
            "    try: out[n] = metadata.version(n)\n    except metadata.PackageNotFoundError: out[n] = None\n"
            "print(json.dumps(out))")  # fmt: skip
    got = json.loads(subprocess.run([python, "-c", code], input=json.dumps(list(pins)), capture_output=True,
                                    text=True, check=True).stdout)  # fmt: skip
    return [f"{n}=={v} (have {got[n] or 'none'})" for n, v in pins.items() if got.get(n) != v]


# --- databases ---------------------------------------------------------------------------------------------------


def psql(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def drop_db(name: str) -> None:
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def copy_db(template: str, name: str) -> None:
    drop_db(name)
    psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


# --- parsing the outputs of the benchmark scripts ------------------------------------------------------------------


def parse_events(text: str) -> dict:
    out = {}
    for key, prefix in (("api", "API create"), ("open311", "Open311")):
        m = re.search(rf"^{prefix}\s*: (\d+)/(\d+) created in [\d.]+s = (\d+) req/s \(p50 (\d+) ms, p95 (\d+) ms"
                      r"[^\n]*\n\s+CPU per request: web workers ([\d.]+) ms, PostgreSQL ([\d.]+) ms", text, re.M)  # fmt: skip
        if m:
            out[f"{key}_rate"], out[f"{key}_p95"] = float(m.group(3)), float(m.group(5))
            out[f"{key}_web_cpu"], out[f"{key}_db_cpu"] = float(m.group(6)), float(m.group(7))
    m = re.search(r"^queries\s*: (\d+) per create through the API, (\d+) through Open311", text, re.M)
    if m:
        out["queries_api"], out["queries_open311"] = int(m.group(1)), int(m.group(2))
    for key, prefix in (("queue_p95", "queue page"), ("queue_closed_p95", "queue closed"),
                        ("queue_street_p95", "queue street"), ("all_p95", "all events"), ("api_list_p95", "API list")):  # fmt: skip
        m = re.search(rf"^{prefix}\s*:.*?p95 (\d+) ms", text, re.M)
        if m:
            out[key] = float(m.group(1))
    return out


def parse_search(text: str) -> dict:
    out = {}
    for line in text.splitlines():
        # what, n, p50, p95, max (and, since the second round, cpu ms, sql ms, sql n): p95 is the third number
        m = re.match(r"^(.*?)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)(?:\s+[\d.]+\s+[\d.]+\s+\d+)?$", line)
        if not m:
            continue
        what, p95 = m.group(1).strip(), float(m.group(4))
        if what.startswith("search by "):
            out[what.removeprefix("search by ").removesuffix(" (staff)")] = p95
        elif "实有人口" in what:
            out["list"] = p95
        elif "/api/v1/persons/" in what:
            out["api"] = p95
    return out


def import_figures(phases: dict) -> dict:
    """The figures of ``bench/import.py``'s phases (each prints one JSON object)."""
    imported, again, exported = phases["import"], phases["reimport"], phases["export"]
    return {"commit_rate": imported["commit_rows_per_s"], "dry_run_rate": imported["dry_run_rows_per_s"],
            "peak": imported["peak_rss_mb"], "reimport_s": again["seconds"], "reimport_peak": again["peak_rss_mb"],
            "export_s": exported["seconds"]}  # fmt: skip


def parse_classify(text: str) -> dict:
    data = json.loads(text)
    held = data["sets"]["heldout"]
    return {"p50": data["latency_ms"]["p50"], "p95": data["latency_ms"]["p95"], "train_s": data["train_seconds_all_data"],
            "top1": round(held["top1_category"] * 100, 1), "top3": round(held["top3_sub"] * 100, 1)}  # fmt: skip


# --- the table -------------------------------------------------------------------------------------------------


def fmt(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "rate":
        return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"
    if kind == "n":
        return f"{value:.0f}"
    return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"


def median_of(runs: list[dict], key: str):
    group, name = key.split(".", 1)
    values = [r[group][name] for r in runs if name in r.get(group, {})]
    return statistics.median(values) if values else None


def table(results: dict, labels: dict) -> str:
    before, after = results["before"], results["after"]
    fb, fa = median_of(before, "floor.rate"), median_of(after, "floor.rate")
    lines = [f"| figure | before `{labels['before']}` (median of {len(before)}) | after `{labels['after']}` "
             f"(median of {len(after)}) | after/before | ratio to the floor (before → after) |",
             "|---|---|---|---|---|"]  # fmt: skip
    for key, label, kind in FIGURES:
        b, a = median_of(before, key), median_of(after, key)
        if b is None and a is None:
            continue
        change = f"{a / b:.2f}" if a is not None and b else "—"
        ratio = ""
        if kind == "rate" and key != "floor.rate" and fb and fa and a is not None and b is not None:
            ratio = f"{b / fb:.1%} → {a / fa:.1%}"
        lines.append(f"| {label} | {fmt(b, kind)} | {fmt(a, kind)} | {change} | {ratio} |")
    return "\n".join(lines)


# --- main ----------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default="a2a0cdd")
    parser.add_argument("--after", default="HEAD")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tiny", action="store_true", help="tiny scales: a check that everything runs")
    for name, value in SCALES["default"].items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=None,
                            help=f"default {value:,} (tiny {SCALES['tiny'][name]:,})")  # fmt: skip
    parser.add_argument("--python", default=sys.executable, help="interpreter with the dependencies installed")
    parser.add_argument("--port", type=int, default=8170, help="floor on PORT, the app on PORT+1")
    parser.add_argument("--db-prefix", default="linli_bench_cmp")
    parser.add_argument("--work", default="/tmp/linli-compare", help="worktrees and scratch files")
    parser.add_argument("--out", default="", help="logs and results (default: a new folder under --work)")
    parser.add_argument("--only", default="floor,events,search,import,classify", help="benchmarks to run")
    parser.add_argument("--keep", action="store_true", help="keep the worktrees and databases")
    args = parser.parse_args()
    scale = dict(SCALES["tiny" if args.tiny else "default"])
    for name in scale:
        if getattr(args, name) is not None:
            scale[name] = getattr(args, name)
    only = set(args.only.split(","))
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    out = Path(args.out) if args.out else work / f"run-{dt.datetime.now():%Y%m%d-%H%M%S}"
    out.mkdir(parents=True, exist_ok=True)
    started, load0 = time.perf_counter(), os.getloadavg()
    print(f"load average at start: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} ({os.cpu_count()} CPUs)")
    print("scales: " + ", ".join(f"{k} {v:,}" for k, v in scale.items()) + f"; {args.runs} runs per ref")
    refs = {"before": args.before, "after": args.after}
    shas = {side: git("rev-parse", "--verify", f"{ref}^{{commit}}") for side, ref in refs.items()}
    labels = {side: f"{refs[side]}" + (f" = {shas[side][:7]}" if not shas[side].startswith(refs[side]) else "")
              for side in refs}  # fmt: skip
    trees = {side: make_worktree(sha, work) for side, sha in shas.items()}
    for side, tree in trees.items():
        print(f"{side:<6}: {labels[side]} in {tree}")
        for problem in lock_mismatches(tree, args.python):
            print(f"  warning: {side} pins {problem}; use --python with a matching environment if this matters")
    changed = git("diff", "--name-only", shas["before"], shas["after"], "--", "bench/events.py", "bench/search.py",
                  "bench/import.py", "bench/classify.py")  # fmt: skip
    if changed:
        print("warning: the refs' own benchmark scripts differ: " + ", ".join(changed.split()))
    p = args.db_prefix
    dbs = {side: {"events_tpl": f"{p}_{side}_events_tpl", "events": f"{p}_{side}_events", "search": f"{p}_{side}_search",
                  "io_tpl": f"{p}_{side}_io_tpl", "io": f"{p}_{side}_io"} for side in refs}  # fmt: skip
    floor_db = f"{p}_floor"
    created = [floor_db] + [name for side in dbs.values() for name in side.values()]
    var_dir = work / "var"  # one set of field keys for both refs: they read the same data
    ledger = var_dir / f"bench-{scale['import_rows']}.xlsx"
    common = {"DJANGO_SETTINGS_MODULE": "linli.settings", "LINLI_VAR_DIR": str(var_dir), "LINLI_LOG_LEVEL": "WARNING",
              "LINLI_EXACT_SEARCH_LIMIT": "1000000"}  # fmt: skip
    runner = Runner(out, common)

    def env_for(side: str, db: str | None = None, **extra) -> dict:
        env = {**os.environ, "PYTHONPATH": str(trees[side]), **common, **extra}
        for k in ("LINLI_TESTING", "DATABASE_URL", "BENCH_DATABASE_URL", "FLOOR_DATABASE_URL"):
            env.pop(k, None)
        if db:
            env["DATABASE_URL"] = f"{PG}/{db}"
        return env

    py = args.python
    s = scale
    results = {"before": [], "after": []}

    def build(side: str, what: str) -> None:
        """One data set, built by the code of ``side``."""
        tree, names = trees[side], dbs[side]
        if what == "events":
            runner.run(f"{side} events database", [py, "bench/events.py", "--events", str(s["events"]), "--communities",
                                                   str(s["communities"]), "--db", f"{PG}/{names['events_tpl']}",
                                                   "--port", str(args.port + 1), "--skip-creates", "--pages", "1",
                                                   "--keep-db"], tree, env_for(side))  # fmt: skip
            recount_events(side)
        elif what == "search":
            drop_db(names["search"])
            psql(f'CREATE DATABASE "{names["search"]}"')
            runner.run(f"{side} persons database", [py, "bench/search.py", "--persons", str(s["persons"]),
                                                    "--samples", "2"], tree, env_for(side, names["search"]))  # fmt: skip
        elif what == "import":
            runner.run(f"{side} ledger database", [py, "bench/import.py", "--phase", "prepare", "--rows",
                                                   str(s["import_rows"]), "--file", str(ledger)],
                       tree, env_for(side, names["io_tpl"]))  # fmt: skip

    def recount_events(side: str) -> bool:
        """The counters of the loaded events, as after any bulk load (a ref whose builder did it does it again: a
        recount rebuilds them): the dispatcher's state counts and the API list's count read them. A ref older than
        the counters has nothing to recount (False)."""
        tree = trees[side]
        if not (tree / "linli/core/management/commands/recount_tallies.py").exists():
            return False
        runner.run(f"{side} events database: counters", [py, "manage.py", "recount_tallies", "event"], tree,
                   env_for(side, dbs[side]["events_tpl"], LINLI_VAR_DIR="/tmp/linli-bench-events-var"))  # fmt: skip
        return True

    def carry_forward(what: str) -> None:
        """The after ref reads the very data the before ref built, migrated as an installation would be."""
        src, dst = {"events": ("events_tpl", "events_tpl"), "search": ("search", "search"),
                    "import": ("io_tpl", "io_tpl")}[what]  # fmt: skip
        copy_db(dbs["before"][src], dbs["after"][dst])
        extra = {"LINLI_VAR_DIR": "/tmp/linli-bench-events-var"} if what == "events" else {}  # bench/events.py's keys
        try:
            runner.run(f"after {what}: migrate", [py, "manage.py", "migrate", "--noinput", "-v0"], trees["after"],
                       env_for("after", dbs["after"][dst], **extra))  # fmt: skip
        except SystemExit:
            print(f"  the after ref cannot migrate the before ref's {what} data: building it with the after ref")
            build("after", what)
            return
        if what == "events" and not (trees["before"] / "linli/core/management/commands/recount_tallies.py").exists():
            recount_events("after")  # the before ref had no counters to copy

    try:
        print(f"\n== preparing the data once, not timed (logs in {out}) ==")
        var_dir.mkdir(parents=True, exist_ok=True)
        if "floor" in only:
            runner.run("floor table", [py, str(HERE / "floor.py"), "--rows", str(s["floor_rows"]), "--db",
                                       f"{PG}/{floor_db}", "--root", str(trees["after"]), "--prepare"],
                       trees["after"], env_for("after"))  # fmt: skip
        for what in ("events", "search", "import"):
            if what in only:
                build("before", what)
                carry_forward(what)
        for r in range(args.runs):
            order = ["before", "after"] if r % 2 == 0 else ["after", "before"]
            for side in order:
                tree, names = trees[side], dbs[side]
                print(f"\n== run {r + 1}/{args.runs}: {side} ({labels[side]}) ==")
                res: dict = {"load": list(os.getloadavg())}
                if "floor" in only:
                    text = runner.run(f"{side} floor", [py, str(HERE / "floor.py"), "--rows", str(s["floor_rows"]),
                                                        "--seconds", str(s["floor_seconds"]), "--warm",
                                                        str(s["floor_warm"]), "--db", f"{PG}/{floor_db}", "--reuse",
                                                        "--keep-db", "--port", str(args.port), "--root", str(tree),
                                                        "--json"], tree, env_for(side))  # fmt: skip
                    f = json.loads(text.strip().splitlines()[-1])
                    res["floor"] = {"rate": f["rate"], "p95": f["p95_ms"], "web_cpu": f["web_cpu_ms"],
                                    "db_cpu": f["db_cpu_ms"], "raw": f}  # fmt: skip
                if "events" in only:
                    copy_db(names["events_tpl"], names["events"])
                    text = runner.run(f"{side} events", [py, "bench/events.py", "--reuse", "--keep-db", "--db",
                                                         f"{PG}/{names['events']}", "--port", str(args.port + 1),
                                                         "--seconds", str(s["event_seconds"]), "--warm",
                                                         str(s["event_warm"]), "--pages", str(s["pages"])],
                                      tree, env_for(side))  # fmt: skip
                    res["events"] = parse_events(text)
                if "search" in only:
                    text = runner.run(f"{side} search", [py, "bench/search.py", "--persons", str(s["persons"]),
                                                         "--samples", str(s["search_samples"])],
                                      tree, env_for(side, names["search"]))  # fmt: skip
                    res["search"] = parse_search(text)
                if "import" in only:
                    copy_db(names["io_tpl"], names["io"])
                    phases = {}
                    for phase in ("import", "reimport", "export"):
                        text = runner.run(f"{side} {phase}", [py, "bench/import.py", "--phase", phase, "--file",
                                                              str(ledger)], tree, env_for(side, names["io"]))  # fmt: skip
                        phases[phase] = json.loads(text.strip().splitlines()[-1])
                    res["import"] = import_figures(phases)
                if "classify" in only:
                    text = runner.run(f"{side} classify", [py, "bench/classify.py", "--json"], tree, env_for(side))
                    res["classify"] = parse_classify(text)
                results[side].append(res)
                (out / "results.json").write_text(json.dumps({"refs": labels, "shas": shas, "scale": s,
                                                              "results": results}, indent=1, ensure_ascii=False))  # fmt: skip
    finally:
        if not args.keep:
            for name in created:
                try:
                    drop_db(name)
                except Exception as exc:  # report and go on: the other databases still have to go
                    print(f"warning: could not drop {name}: {exc}")
            for tree in trees.values():
                remove_worktree(tree)
            shutil.rmtree(var_dir, ignore_errors=True)
    minutes = (time.perf_counter() - started) / 60
    load1 = os.getloadavg()
    summary = [
        f"## Before/after: `{labels['before']}` → `{labels['after']}`", "",
        table(results, labels), "",
        f"- Machine: {os.cpu_count()} CPUs; load average at start {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}, "
        f"at the end {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}; {minutes:.1f} minutes in all.",
        "- Load average before each floor run: " + "; ".join(
            f"{side} {i + 1}: {r['floor']['raw']['loadavg'][0]:.2f}" for side in ("before", "after")
            for i, r in enumerate(results[side]) if "floor" in r),
        "- Scales: " + ", ".join(f"{k} {v:,}" for k, v in s.items()) + f"; {args.runs} runs per ref, alternating.",
        "- Ratio to the floor: the median rate over the median floor rate of the same ref's runs.",
        "", "Commands (in this order; each also with "
        + " ".join(f"{k}={v}" for k, v in common.items()) + "):", "", "```",
        f"{shlex.join([py, *sys.argv])}", *runner.commands, "```",
    ]  # fmt: skip
    text = "\n".join(summary)
    (out / "summary.md").write_text(text + "\n")
    print("\n" + text)
    print(f"\n(logs, results.json and summary.md in {out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
