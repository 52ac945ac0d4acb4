"""Imports a CERS facility export folder (facilities.csv, submittals.csv, changes.csv) into DATABASE_URL.

Usage: python -m cers.facilities.importer [--if-empty] FOLDER   (make import DATA=FOLDER)
All or nothing: every bad row is reported as file:line: column: problem and nothing is imported.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Optional

from cers import deadlines
from cers.facilities.store import FacilityStore, SaveResult, StoreUnavailable

COLUMNS = {
    "facilities.csv": ("cers_id", "name", "street", "city", "zip", "phone", "programs"),
    "submittals.csv": ("cers_id", "element", "status", "date", "reviewed_on"),
    "changes.csv": ("cers_id", "change", "changed_on"),
}
PROGRESS_EVERY = 10_000
CERS_ID = re.compile(r"[1-9]\d{7,8}")
ZIP = re.compile(r"\d{5}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
PHONE = re.compile(r"[0-9()+\-. x#/]{7,40}", re.IGNORECASE)
# Column widths of the schema: longer values would fail (PostgreSQL) or be truncated.
MAX_LENGTH = {"name": 200, "street": 200, "city": 100, "phone": 40, "change": 100}
ELEMENTS = {e.lower(): e for e in deadlines.ELEMENTS}
STATUSES = {s.lower(): s for s in deadlines.SUBMITTAL_STATUSES}
REVIEWED = ("Accepted", deadlines.NOT_ACCEPTED)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int  # 0: the file as a whole
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.column}: {self.message}" if self.column else f"{where}: {self.message}"


class ImportFailed(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


Progress = Callable[[str], None]


def _rows(folder: Path, name: str, problems: list[Problem], progress: Progress) -> Iterator[tuple[int, dict]]:
    """(line number, row) for each data row; header and encoding problems go to problems."""
    path = folder / name
    if not path.is_file():
        problems.append(Problem(name, 0, "", f"missing (expected in {folder})"))
        return
    count = 0
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                problems.append(Problem(name, 1, "", "empty file: expected a header row"))
                return
            header = [h.strip().lower() for h in header]
            missing = [c for c in COLUMNS[name] if c not in header]
            if missing:
                problems.append(
                    Problem(
                        name,
                        1,
                        "",
                        f"header lacks column(s) {', '.join(missing)}; expected {','.join(COLUMNS[name])}",
                    )
                )
                return
            for values in reader:
                line = reader.line_num
                if not values or all(not v.strip() for v in values):
                    continue  # a blank line is not a row
                count += 1
                if count % PROGRESS_EVERY == 0:
                    progress(f"{name}: {count:,} rows read")
                if len(values) != len(header):
                    problems.append(Problem(name, line, "", f"has {len(values)} fields, the header has {len(header)}"))
                    continue
                yield line, {key: value.strip() for key, value in zip(header, values)}
    except UnicodeDecodeError as error:
        problems.append(Problem(name, 0, "", f"is not UTF-8 text ({error.reason} at byte {error.start})"))
    except csv.Error as error:
        problems.append(Problem(name, 0, "", f"is not valid CSV: {error}"))
    progress(f"{name}: {count:,} rows")


def _date(value: str) -> Optional[dt.date]:
    if not DATE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _check_lengths(name: str, line: int, row: dict, problems: list[Problem]) -> bool:
    ok = True
    for column, limit in MAX_LENGTH.items():
        if column in row and len(row[column]) > limit:
            problems.append(Problem(name, line, column, f"longer than {limit} characters"))
            ok = False
    return ok


# Change texts not recognized are listed, up to this many, then counted (the import goes on).
MAX_CHANGE_NOTES = 20


def read_folder(folder: Path, progress: Progress = lambda message: None) -> dict[str, deadlines.Records]:
    """Validate every row of the three files; the facilities' records, or ImportFailed naming every problem."""
    problems: list[Problem] = []
    facilities: dict[str, deadlines.Facility] = {}
    first_line: dict[str, int] = {}
    submittals: dict[str, list[deadlines.Submittal]] = {}
    changes: dict[str, list[deadlines.Change]] = {}

    name = "facilities.csv"
    for line, row in _rows(folder, name, problems, progress):
        before = len(problems)
        cers_id = row["cers_id"]
        if not CERS_ID.fullmatch(cers_id):
            problems.append(Problem(name, line, "cers_id", f"{cers_id!r} is not 8 or 9 digits without a leading zero"))
        elif cers_id in first_line:
            problems.append(Problem(name, line, "cers_id", f"{cers_id} is already on line {first_line[cers_id]}"))
        for column in ("name", "city"):
            if not row[column]:
                problems.append(Problem(name, line, column, "is empty"))
        if not ZIP.fullmatch(row["zip"]):
            problems.append(Problem(name, line, "zip", f"{row['zip']!r} is not 5 digits"))
        if row["phone"] and not PHONE.fullmatch(row["phone"]):
            problems.append(Problem(name, line, "phone", f"{row['phone']!r} does not look like a phone number"))
        programs = [p.strip().upper() for p in row["programs"].split(";") if p.strip()]
        unknown = [p for p in programs if p not in deadlines.PROGRAMS]
        if unknown:
            problems.append(
                Problem(
                    name,
                    line,
                    "programs",
                    f"unknown program(s) {', '.join(unknown)}; use {', '.join(deadlines.PROGRAMS)}",
                )
            )
        _check_lengths(name, line, row, problems)
        if len(problems) == before:
            first_line[cers_id] = line
            facilities[cers_id] = deadlines.Facility(
                cers_id,
                row["name"],
                tuple(dict.fromkeys(programs)),
                row["street"],
                row["city"],
                row["zip"],
                row["phone"],
            )
        elif CERS_ID.fullmatch(cers_id) and cers_id not in first_line:
            first_line[cers_id] = line  # known, so its submittals are not reported a second time

    def known(file: str, line: int, cers_id: str) -> bool:
        if not CERS_ID.fullmatch(cers_id):
            problems.append(Problem(file, line, "cers_id", f"{cers_id!r} is not 8 or 9 digits without a leading zero"))
            return False
        if cers_id not in first_line:
            problems.append(Problem(file, line, "cers_id", f"{cers_id} is not in facilities.csv"))
            return False
        return True

    name = "submittals.csv"
    for line, row in _rows(folder, name, problems, progress):
        ok = known(name, line, row["cers_id"])
        element = ELEMENTS.get(row["element"].lower())
        if element is None:
            problems.append(
                Problem(name, line, "element", f"{row['element']!r} is not one of: {', '.join(deadlines.ELEMENTS)}")
            )
        status = STATUSES.get(row["status"].lower())
        if status is None:
            problems.append(
                Problem(
                    name, line, "status", f"{row['status']!r} is not one of: {', '.join(deadlines.SUBMITTAL_STATUSES)}"
                )
            )
        on = _date(row["date"])
        if on is None:
            problems.append(Problem(name, line, "date", f"{row['date']!r} is not a date like 2027-02-15"))
        reviewed = None
        if row["reviewed_on"]:
            reviewed = _date(row["reviewed_on"])
            if reviewed is None:
                problems.append(
                    Problem(name, line, "reviewed_on", f"{row['reviewed_on']!r} is not a date like 2027-02-15")
                )
            elif status is not None and status not in REVIEWED:
                problems.append(Problem(name, line, "reviewed_on", f"must be empty for status {status}"))
                reviewed = None
            elif on is not None and reviewed < on:
                problems.append(Problem(name, line, "reviewed_on", f"{reviewed} is before the submittal date {on}"))
                reviewed = None
        elif status in REVIEWED:
            problems.append(Problem(name, line, "reviewed_on", f"is empty; required for status {status}"))
        if ok and element and status and on and (reviewed or status not in REVIEWED):
            submittals.setdefault(row["cers_id"], []).append(deadlines.Submittal(element, status, on, reviewed))

    name = "changes.csv"
    unrecognized: list[tuple[int, str]] = []
    for line, row in _rows(folder, name, problems, progress):
        ok = known(name, line, row["cers_id"])
        if not row["change"]:
            problems.append(Problem(name, line, "change", "is empty"))
        ok = _check_lengths(name, line, row, problems) and ok
        on = _date(row["changed_on"])
        if on is None:
            problems.append(Problem(name, line, "changed_on", f"{row['changed_on']!r} is not a date like 2027-02-15"))
        if ok and row["change"] and on:
            changes.setdefault(row["cers_id"], []).append(deadlines.Change(row["change"], on))
            if deadlines.change_type(row["change"]) is None:
                unrecognized.append((line, row["change"]))
    for line, text in unrecognized[:MAX_CHANGE_NOTES]:
        progress(
            f"note: {name}:{line}: change {text!r} is not one of the change types "
            f"({', '.join(deadlines.CHANGE_ELEMENTS)}): a submission of any element will settle it"
        )
    if len(unrecognized) > MAX_CHANGE_NOTES:
        progress(
            f"note: {name}: {len(unrecognized) - MAX_CHANGE_NOTES} more changes not recognized, treated the same way"
        )

    if problems:
        raise ImportFailed(problems)
    return {
        cers_id: deadlines.Records(f, tuple(submittals.get(cers_id, ())), tuple(changes.get(cers_id, ())))
        for cers_id, f in facilities.items()
    }


def import_folder(
    folder: Path | str, store: Optional[FacilityStore] = None, progress: Progress = lambda message: None
) -> SaveResult:
    """Validate, then replace the named facilities' data in one transaction. Raises ImportFailed."""
    records = read_folder(Path(folder), progress)
    store = store or FacilityStore()
    return store.save(records, progress)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cers.facilities.importer", description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder holding facilities.csv, submittals.csv and changes.csv")
    parser.add_argument(
        "--if-empty",
        action="store_true",
        help="import only when the database holds no facility yet (how `make run` loads the demo)",
    )
    args = parser.parse_args(argv)

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    started = time.perf_counter()
    store = FacilityStore(timeout=30.0)  # a bulk import may wait longer for a lock than a chat lookup
    try:
        store.migrate()  # an import is a deployment step: the schema may be new
        if args.if_empty and not store.is_empty():
            print(
                f"The database already holds {store.count():,} facilities; {args.folder} not imported.", file=sys.stderr
            )
            return 0
        result = import_folder(args.folder, store, progress)
    except ImportFailed as failed:
        for problem in failed.problems:
            print(problem, file=sys.stderr)
        print(f"{len(failed.problems)} problem(s) found; nothing was imported.", file=sys.stderr)
        return 1
    except StoreUnavailable as error:
        print(f"cannot write to the database ({store.url.split('@')[-1]}): {error}", file=sys.stderr)
        return 2
    finally:
        store.dispose()
    print(
        f"Imported {args.folder}: {result.added:,} added, {result.updated:,} updated, "
        f"{result.unchanged:,} unchanged ({result.submittals:,} submittals and {result.changes:,} changes written) "
        f"in {time.perf_counter() - started:.1f} s.",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
