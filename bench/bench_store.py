"""Store benchmark: import 100,000 facilities x 5 submittals, then time lookups by ID and by fuzzy name.

Usage: python bench/bench_store.py [--facilities N] [--skip-postgres]   (make bench)
Runs on SQLite and on a throwaway PostgreSQL (scripts/postgres_for_tests.sh, or BENCH_POSTGRES_URL),
prints a table and writes it to bench/results/store.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cers import deadlines  # noqa: E402
from cers.facilities.importer import import_folder  # noqa: E402
from cers.facilities.store import FacilityStore  # noqa: E402
from cers.status_reply import status_reply  # noqa: E402

TODAY = dt.date(2027, 2, 15)
CITIES = [
    ("Quincy", "95971"),
    ("Chester", "96020"),
    ("Portola", "96122"),
    ("Greenville", "95947"),
    ("Graeagle", "96103"),
    ("Meadow Valley", "95956"),
    ("Taylorsville", "95983"),
    ("Crescent Mills", "95934"),
]
FIRST = (
    "Feather River Sierra Almanor Plumas Bucks Lake Indian Valley Spanish Creek Mohawk Wolf Creek Butte "
    "Lassen Beckwourth Johnsville Eureka Lights Creek Keddie Twain Spring Garden Cromberg Blairsden "
    "Clio Vinton Hallelujah Canyon Dam Prattville Westwood Hamilton Branch Genesee Antelope Round"
).split()
KINDS = (
    "Auto Body, Auto Repair, Fuel Stop, Propane, Hardware, Lumber, Sawmill, Ready Mix, Dental Clinic, "
    "Medical Clinic, Veterinary Hospital, Dry Cleaners, Printing, Marina, Lodge, Feed & Supply, Tire & Brake, "
    "Water Plant, Market, Garage, Equipment Rental, Aggregate, Ranch Supply, Bakery, Brewery, Welding, "
    "Machine Shop, Pool Supply, Nursery, Golf Maintenance"
).split(", ")
SUFFIX = ["", "", "", " Inc", " LLC", " Co", " & Sons", " Services", " Center", " West", " North"]
STREETS = [
    "Main St",
    "Lawrence St",
    "Crescent St",
    "Bucks Lake Rd",
    "Highway 70",
    "Highway 89",
    "Highway 36",
    "Commercial St",
    "Gulling St",
    "First Ave",
    "Railroad Ave",
    "Peninsula Dr",
    "Quincy Junction Rd",
]


def generate(folder: Path, count: int, rng: random.Random) -> list[tuple[str, str]]:
    """Write a synthetic export; return (cers_id, name) for every facility."""
    facilities = []
    elements_for = {}
    with open(folder / "facilities.csv", "w", newline="") as f_handle:
        writer = csv.writer(f_handle)
        writer.writerow(["cers_id", "name", "street", "city", "zip", "phone", "programs"])
        for n in range(count):
            cers_id = str(10_000_000 + n * 7)
            city, zip_code = rng.choice(CITIES)
            name = f"{rng.choice(FIRST)} {rng.choice(KINDS)}{rng.choice(SUFFIX)}"
            programs = ["HMBP"] + rng.sample(["UST", "APSA", "HW", "CALARP"], rng.randint(0, 2))
            writer.writerow(
                [
                    cers_id,
                    name,
                    f"{rng.randint(1, 19999)} {rng.choice(STREETS)}",
                    city,
                    zip_code,
                    f"(530) 555-{rng.randint(0, 9999):04d}",
                    ";".join(programs),
                ]
            )
            facilities.append((cers_id, name))
            elements_for[cers_id] = deadlines.required_elements(programs)
    statuses = ["Accepted"] * 6 + ["Submitted", "Under Review", "Not Accepted", "Draft"]
    with open(folder / "submittals.csv", "w", newline="") as s_handle:
        writer = csv.writer(s_handle)
        writer.writerow(["cers_id", "element", "status", "date", "reviewed_on"])
        for cers_id, _ in facilities:
            elements = elements_for[cers_id]
            for k in range(5):
                status = rng.choice(statuses)
                on = dt.date(2024, 9, 1) + dt.timedelta(days=rng.randint(0, 890))
                reviewed = on + dt.timedelta(days=rng.randint(1, 40)) if status in ("Accepted", "Not Accepted") else ""
                writer.writerow(
                    [cers_id, elements[k % len(elements)], status, on.isoformat(), reviewed and reviewed.isoformat()]
                )
    with open(folder / "changes.csv", "w", newline="") as c_handle:
        writer = csv.writer(c_handle)
        writer.writerow(["cers_id", "change", "changed_on"])
        for cers_id, _ in rng.sample(facilities, count // 5):
            on = dt.date(2026, 6, 1) + dt.timedelta(days=rng.randint(0, 260))
            writer.writerow(
                [
                    cers_id,
                    rng.choice(["ownership", "address", "new hazardous material", "new generator"]),
                    on.isoformat(),
                ]
            )
    return facilities


def typo(name: str, rng: random.Random) -> str:
    """A query as staff type it: lower case, a word or two of the name, one letter dropped."""
    words = name.lower().replace("&", "").split()
    words = words[: rng.randint(2, max(2, len(words)))]
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    if len(word) > 4:
        cut = rng.randint(1, len(word) - 2)
        words[longest] = word[:cut] + word[cut + 1 :]
    return " ".join(words)


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p95 * 1000


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def run(backend: str, url: str, folder: Path, facilities, rng: random.Random, lookups: int) -> dict:
    store = FacilityStore(url, timeout=60.0)  # the benchmark measures speed, not the bot's timeouts
    store.migrate()
    print(f"[{backend}] importing ...", file=sys.stderr, flush=True)
    import_seconds = timed(lambda: import_folder(folder, store, progress=lambda m: None))
    reimport_seconds = timed(lambda: import_folder(folder, store, progress=lambda m: None))
    store.dispose()

    store = FacilityStore(url)  # a fresh process-like store with the bot's short timeouts
    ids = [rng.choice(facilities)[0] for _ in range(lookups)]
    for cers_id in ids[:20]:
        store.get(cers_id)  # warm the connection pool
    by_id = [timed(lambda i=i: status_reply(store.get(i).evaluate(TODAY))) for i in ids]
    index_seconds = timed(lambda: store.search("warm up"))
    queries = [typo(rng.choice(facilities)[1], rng) for _ in range(lookups)]
    by_name = [timed(lambda q=q: store.search(q, 5)) for q in queries]
    hits = sum(1 for q in queries[:200] if store.search(q, 5))
    lists = [timed(lambda: store.overdue(TODAY, 20)) for _ in range(5)]
    soon = [timed(lambda: store.due_within(TODAY, 30, 20)) for _ in range(5)]
    overdue_total = store.overdue(TODAY, 1).total
    store.dispose()
    return {
        "backend": backend,
        "import": import_seconds,
        "reimport": reimport_seconds,
        "id": percentiles(by_id),
        "name": percentiles(by_name),
        "index": index_seconds,
        "overdue": percentiles(lists),
        "soon": percentiles(soon),
        "hit_rate": hits / min(200, len(queries)),
        "overdue_total": overdue_total,
    }


def postgres_url() -> tuple[str, bool]:
    """(url, started_here)."""
    if os.environ.get("BENCH_POSTGRES_URL"):
        return os.environ["BENCH_POSTGRES_URL"], False
    script = ROOT / "scripts" / "postgres_for_tests.sh"
    done = subprocess.run(["bash", str(script), "start"], check=True, capture_output=True, text=True)
    # A cluster someone else started (tests, a developer) is reused and left running.
    return done.stdout.strip(), "already running" not in done.stderr


def reset_postgres(url: str) -> None:
    store = FacilityStore(url)
    store.drop_schema()
    store.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--facilities", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "store.md")
    args = parser.parse_args()
    rng = random.Random(20270215)
    results = []
    with tempfile.TemporaryDirectory(prefix="cers-bench-") as tmp:
        folder = Path(tmp) / "export"
        folder.mkdir()
        print(f"generating {args.facilities:,} facilities x 5 submittals ...", file=sys.stderr, flush=True)
        facilities = generate(folder, args.facilities, rng)
        results.append(run("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}", folder, facilities, rng, args.lookups))
        if not args.skip_postgres:
            url, started = postgres_url()
            try:
                reset_postgres(url)
                results.append(run("PostgreSQL", url, folder, facilities, rng, args.lookups))
                reset_postgres(url)
            finally:
                if started:
                    subprocess.run(["bash", str(ROOT / "scripts" / "postgres_for_tests.sh"), "stop"], check=False)

    lines = [
        f"# Store benchmark ({args.facilities:,} facilities x 5 submittals, {args.facilities // 5:,} changes)",
        "",
        f"{dt.date.today()} · {platform.machine()} · {os.cpu_count()} cores · Python {platform.python_version()} · "
        f"{args.lookups:,} lookups each · targets: p95 < 20 ms by ID, < 100 ms by name",
        "",
        "| database | import | re-import (no change) | by ID p50 / p95 | by name p50 / p95 | name index build | "
        "overdue list p50 / p95 | due in 30 days p50 / p95 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['backend']} | {r['import']:.1f} s | {r['reimport']:.1f} s | {r['id'][0]:.2f} / {r['id'][1]:.2f} ms | "
            f"{r['name'][0]:.2f} / {r['name'][1]:.2f} ms | {r['index']:.2f} s | "
            f"{r['overdue'][0]:.0f} / {r['overdue'][1]:.0f} ms | {r['soon'][0]:.0f} / {r['soon'][1]:.0f} ms |"
        )
    lines += [
        "",
        "By ID: `FacilityStore.get` + `deadlines.evaluate` + `status_reply` (the whole status answer). "
        "By name: `FacilityStore.search(query, 5)` with one letter dropped from the longest word and "
        f"trailing words left off; {results[0]['hit_rate']:.0%} of queries found something. The name index is "
        'built in memory on the first search after start or after an import ("name index build"), '
        "then reused. Lists: first 20 by name plus the total "
        f"({results[0]['overdue_total']:,} overdue on {TODAY}).",
    ]
    table = "\n".join(lines) + "\n"
    print(table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
