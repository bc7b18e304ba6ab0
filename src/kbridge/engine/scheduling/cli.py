"""``kbridge-schedule``: schedule 1:1 meetings or a presentation day from a JSON file.

Examples::

    kbridge-schedule generate meetings --participants 60 --meetings 200 --slots 12 \\
        --tables 10 --seed 1 > event.json
    kbridge-schedule meetings event.json --out schedule.json --csv agendas.csv --ics-dir ics/
    kbridge-schedule meetings event.json --previous schedule.json --out rerun.json
    kbridge-schedule presentations pitchday.json --out day.json

The instance format is described in :mod:`kbridge.engine.scheduling.serialize`. Input files are
UTF-8 JSON (a byte-order mark is fine) and read strictly: an unknown or missing key, a value of the
wrong type, a slot outside the event, an empty id, an id with white space around it or an
invisible character, the same id (or JSON key) twice, or an id that names nobody is refused with
"FILE, line N: where: what is wrong". --ics-dir writes one <id>.ics per person; ids that are not
safe file names (path separators, "..", control characters, CON/NUL/..., very long) are cleaned
and get a short hash suffix, so every file stays inside the folder and no two people share one;
index.json maps each id to its file.

Exit codes: 0 success, 1 bad input or an inconsistent instance (one line on stderr says which
file, line and what), 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from kbridge.engine.inputs import CliParser, InputError, inside, read_json, safe_filename
from kbridge.engine.scheduling.export import (
    EventClock,
    agenda_ics,
    agendas_csv,
    meeting_agendas,
    presentation_agendas,
)
from kbridge.engine.scheduling.generate import random_meeting_instance, random_presentation_instance
from kbridge.engine.scheduling.meetings import solve_meetings
from kbridge.engine.scheduling.model import SolveOptions
from kbridge.engine.scheduling.presentations import PresentationOptions, solve_presentations
from kbridge.engine.scheduling.serialize import (
    clock_from_json,
    meetings_from_json,
    meetings_to_json,
    placements_from_json,
    presentation_schedule_to_json,
    presentations_from_json,
    presentations_to_json,
    previous_from_json,
    schedule_to_json,
)


def _parser() -> argparse.ArgumentParser:
    parser = CliParser(
        prog="kbridge-schedule",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)

    rules = __doc__[__doc__.index("The instance format") :]
    raw = argparse.RawDescriptionHelpFormatter
    meetings = sub.add_parser(
        "meetings",
        help="schedule (or re-schedule) 1:1 meetings",
        description=rules,
        formatter_class=raw,
    )
    meetings.add_argument("instance", type=Path)
    meetings.add_argument("--previous", type=Path, help="earlier schedule JSON: move as little")
    meetings.add_argument("--time-limit", type=float, default=10.0)
    meetings.add_argument("--workers", type=int, default=8)
    meetings.add_argument("--must-weight", type=int, default=10)
    meetings.add_argument("--out", type=Path, help="schedule JSON (default: standard output)")
    meetings.add_argument("--csv", type=Path, help="all personal agendas as one CSV")
    meetings.add_argument("--ics-dir", type=Path, help="one .ics file per participant")

    pres = sub.add_parser(
        "presentations", help="schedule a presentation day", description=rules, formatter_class=raw
    )
    pres.add_argument("instance", type=Path)
    pres.add_argument("--time-limit", type=float, default=5.0)
    pres.add_argument("--workers", type=int, default=8)
    pres.add_argument("--idle-weight", type=int, default=1)
    pres.add_argument("--consecutive", action="store_true", help="forbid panel idle time")
    pres.add_argument("--out", type=Path)
    pres.add_argument("--csv", type=Path)
    pres.add_argument("--ics-dir", type=Path)

    gen = sub.add_parser("generate", help="write a seeded random instance as JSON")
    gen.add_argument("kind", choices=["meetings", "presentations"])
    gen.add_argument("--participants", type=int, default=500)
    gen.add_argument("--meetings", type=int, default=2500)
    gen.add_argument("--slots", type=int, default=16)
    gen.add_argument("--tables", type=int, default=60)
    gen.add_argument("--reserved-tables", type=int, default=0)
    gen.add_argument("--density", type=float, default=0.8)
    gen.add_argument("--must-share", type=float, default=0.2)
    gen.add_argument("--sessions", type=int, default=2)
    gen.add_argument("--startups", type=int, default=40)
    gen.add_argument("--panels", type=int, default=4)
    gen.add_argument("--members-per-panel", type=int, default=5)
    gen.add_argument("--rooms", type=int, default=4)
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--start", default="2025-06-10T09:00")
    gen.add_argument("--slot-minutes", type=int, default=None)
    return parser


def _write(path: Path | None, text: str) -> None:
    if path is None:
        sys.stdout.write(text)
    else:
        path.write_text(text, encoding="utf-8")


def _write_ics(directory: Path, agendas: dict, clock: EventClock, label: str) -> None:
    """One ``.ics`` per owner under a safe, unique name, and ``index.json`` (id → file name)."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = clock.begin(0)
    taken: set[str] = {"index.json"}
    index: dict[str, str] = {}
    for owner in sorted(agendas):
        data = agenda_ics(agendas[owner], calendar_name=f"{label}: {owner}", stamp=stamp)
        name = safe_filename(owner, ".ics", taken)
        inside(directory, name).write_bytes(data)
        index[owner] = name
    (directory / "index.json").write_text(
        json.dumps(index, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (ValueError, OSError) as error:  # InputError and SchedulingError are ValueErrors
        print(f"kbridge-schedule: {_one_line(error)}", file=sys.stderr)
        return 1
    except Exception as error:  # never a traceback for the operator
        print(
            f"kbridge-schedule: unexpected {type(error).__name__}: {_one_line(error)}",
            file=sys.stderr,
        )
        return 1


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _run(args: argparse.Namespace) -> int:
    if args.command == "generate":
        return _generate(args)
    data = read_json(args.instance)
    if not isinstance(data, dict):
        raise InputError(args.instance, None, "expected a JSON object (an instance)")
    clock = clock_from_json(data, args.instance)
    if (args.csv or args.ics_dir) and clock is None:
        print(
            "--csv and --ics-dir need 'start' and 'slot_minutes' in the instance",
            file=sys.stderr,
        )
        return 2
    if args.command == "meetings":
        instance = meetings_from_json(data, args.instance)
        previous = None
        if data.get("previous") is not None:
            previous = placements_from_json(data["previous"], args.instance, "previous")
        if args.previous is not None:
            previous = previous_from_json(read_json(args.previous), args.previous)
        options = SolveOptions(
            time_limit=args.time_limit,
            workers=args.workers,
            weights={"must_meet": args.must_weight, "meet": 1},
        )
        schedule = solve_meetings(instance, options, previous=previous)
        _write(args.out, json.dumps(schedule_to_json(schedule, instance, clock), indent=2) + "\n")
        if clock is not None and (args.csv or args.ics_dir):
            agendas = meeting_agendas(instance, schedule.placements, clock)
            if args.csv:
                args.csv.write_text(agendas_csv(agendas), encoding="utf-8", newline="")
            if args.ics_dir:
                _write_ics(args.ics_dir, agendas, clock, "Meetings")
        return 0
    instance = presentations_from_json(data, args.instance)
    options = PresentationOptions(
        time_limit=args.time_limit,
        workers=args.workers,
        idle_weight=args.idle_weight,
        require_consecutive=args.consecutive,
    )
    result = solve_presentations(instance, options)
    payload = presentation_schedule_to_json(result, instance, clock)
    _write(args.out, json.dumps(payload, indent=2) + "\n")
    if clock is not None and (args.csv or args.ics_dir):
        agendas = presentation_agendas(instance, result, clock)
        if args.csv:
            args.csv.write_text(agendas_csv(agendas), encoding="utf-8", newline="")
        if args.ics_dir:
            _write_ics(args.ics_dir, agendas, clock, "Presentations")
    return 0


def _generate(args: argparse.Namespace) -> int:
    start = datetime.fromisoformat(args.start)
    if args.kind == "meetings":
        instance = random_meeting_instance(
            participants=args.participants,
            meetings=args.meetings,
            slots=args.slots,
            tables=args.tables,
            density=args.density,
            must_share=args.must_share,
            reserved_tables=args.reserved_tables,
            sessions=args.sessions,
            seed=args.seed,
        )
        data = meetings_to_json(instance)
        data["slot_minutes"] = args.slot_minutes or 20
    else:
        pres = random_presentation_instance(
            startups=args.startups,
            panels=args.panels,
            members_per_panel=args.members_per_panel,
            rooms=args.rooms,
            seed=args.seed,
        )
        data = presentations_to_json(pres)
        data["slot_minutes"] = args.slot_minutes or 10
    data["start"] = start.isoformat()
    sys.stdout.write(json.dumps(data) + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
