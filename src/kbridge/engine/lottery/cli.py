"""``kbridge-lottery``: redraw a published lottery and check the seed against its commitment.

Examples::

    kbridge-lottery --seed 3f...c2 --places 2 --commitment 9a...e1 12 7 31 44
    kbridge-lottery --entrants-file draw.json

The file is the JSON K-Bridge publishes with each draw (UTF-8, a byte-order mark is fine)::

    {"entrants": ["12", "31", "44", "7"], "places": 2,
     "seed": "3f...c2", "seed_sha256": "9a...e1", "winners": ["31", "7"]}

``seed`` may be empty or absent before the draw (give it with --seed once it is published);
``seed_sha256`` and ``winners`` are optional; other keys are ignored. --seed, --places and
--commitment may be given beside the file only when they agree with it.

Output: the commitment check ("ok", "MISMATCH" or "not given"), the winners one per line, then
the full draw order. A draw is the entrants sorted by sha256(seed bytes + 0x00 + UTF-8 key),
smallest digest first (docs/selection.md, "Rules of selection and the lottery").

Exit codes: 0 the draw is reproduced (and matches the commitment and the published winners when
given), 1 the seed does not match the commitment or the published winners differ, 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from kbridge.engine.inputs import InputError, read_json
from kbridge.engine.lottery import commitment, order, verify

EXIT_OK, EXIT_MISMATCH, EXIT_BAD_INPUT = 0, 1, 2


class _BadInput(ValueError):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(  # usage errors exit with 2, as any bad input here
        prog="kbridge-lottery",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("entrants", nargs="*", metavar="ENTRANT", help="the entrants' keys")
    parser.add_argument("--seed", help="the published seed (64 hex digits)")
    parser.add_argument("--places", type=int, help="number of winners (>= 0)")
    parser.add_argument("--commitment", help="the published SHA-256 of the seed (64 hex digits)")
    parser.add_argument("--entrants-file", metavar="PATH", help="the published draw as JSON")
    return parser


def _from_file(path: str) -> dict[str, Any]:
    data = read_json(path)
    if not isinstance(data, dict):
        raise InputError(path, 1, "expected a JSON object with \"entrants\" and \"places\"")
    entrants = data.get("entrants")
    if not isinstance(entrants, list) or not all(isinstance(e, str) for e in entrants):
        raise InputError(path, None, '"entrants" must be a list of strings')
    places = data.get("places")
    if isinstance(places, bool) or not isinstance(places, int):
        raise InputError(path, None, '"places" must be a whole number')
    out: dict[str, Any] = {"entrants": entrants, "places": places}
    for key in ("seed", "seed_sha256"):
        value = data.get(key)
        if value not in (None, ""):
            if not isinstance(value, str):
                raise InputError(path, None, f'"{key}" must be a string')
            out[key] = value
    winners = data.get("winners")
    if winners is not None:
        if not isinstance(winners, list) or not all(isinstance(w, str) for w in winners):
            raise InputError(path, None, '"winners" must be a list of strings')
        out["winners"] = winners
    return out


def _merge(name: str, from_file: Any, from_args: Any) -> Any:
    if from_args is None:
        return from_file
    if from_file is not None and from_file != from_args:
        raise _BadInput(f"--{name} disagrees with the file ({from_args!r} vs {from_file!r})")
    return from_args


def _inputs(args: argparse.Namespace) -> tuple[str, list[str], int, str | None, list[str] | None]:
    if args.entrants_file:
        if args.entrants:
            raise _BadInput("give the entrants either on the command line or in --entrants-file")
        data = _from_file(args.entrants_file)
        entrants = data["entrants"]
        places = _merge("places", data["places"], args.places)
        seed = _merge("seed", data.get("seed"), args.seed)
        published = _merge("commitment", data.get("seed_sha256"), args.commitment)
        winners = data.get("winners")
    else:
        entrants, places, seed = list(args.entrants), args.places, args.seed
        published, winners = args.commitment, None
        if not entrants:
            raise _BadInput("no entrants: list them after the options or use --entrants-file")
    if seed is None:
        raise _BadInput("no seed: give --seed (the draw cannot be checked before it is published)")
    if places is None:
        raise _BadInput("no number of places: give --places")
    if places < 0:
        raise _BadInput(f"places must be >= 0; got {places}")
    commitment(seed)  # a malformed seed is bad input (ValueError)
    return seed, entrants, places, published, winners


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(None if argv is None else list(argv))
    try:
        seed, entrants, places, published, winners = _inputs(args)
        drawn = order(seed, entrants)
    except (ValueError, OSError) as error:  # InputError, _BadInput and the engine's checks
        print(f"kbridge-lottery: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    status = EXIT_OK
    if published is None:
        print("commitment: not given (the seed cannot be checked)")
    elif verify(seed, published):
        print(f"commitment: ok (sha256 of the seed is {commitment(seed)})")
    else:
        print(f"commitment: MISMATCH (sha256 of the seed is {commitment(seed)}, "
              f"published {published.strip()})")
        status = EXIT_MISMATCH
    chosen = drawn[:places]
    print(f"winners ({len(chosen)} of {len(drawn)}):")
    for key in chosen:
        print(key)
    print("draw order:")
    for position, key in enumerate(drawn, start=1):
        print(f"{position}. {key}")
    if winners is not None:
        if winners == chosen:
            print("published winners: ok")
        else:
            print("published winners: MISMATCH (published " + ", ".join(winners) + ")")
            status = EXIT_MISMATCH
    return status
