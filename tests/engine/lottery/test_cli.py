"""``kbridge-lottery``: redraws a published draw and checks the seed against its commitment."""

from __future__ import annotations

import json

import pytest

from kbridge.engine.lottery import commitment, order
from kbridge.engine.lottery.cli import main

SEED = "ab" * 32
ENTRANTS = ["12", "31", "44", "7"]


def lines(capsys) -> list[str]:
    return capsys.readouterr().out.splitlines()


def test_command_line_draw_with_a_matching_commitment(capsys):
    code = main(["--seed", SEED, "--places", "2", "--commitment", commitment(SEED), *ENTRANTS])
    out = lines(capsys)
    drawn = order(SEED, ENTRANTS)
    assert code == 0
    assert out[0].startswith("commitment: ok")
    assert out[1:4] == ["winners (2 of 4):", drawn[0], drawn[1]]
    assert out[4] == "draw order:"
    assert out[5:] == [f"{i}. {key}" for i, key in enumerate(drawn, start=1)]


def test_a_seed_that_does_not_match_the_commitment_exits_1(capsys):
    code = main(["--seed", SEED, "--places", "1", "--commitment", commitment("cd" * 32), "a", "b"])
    assert code == 1
    assert lines(capsys)[0].startswith("commitment: MISMATCH")


def test_without_a_commitment_the_check_says_so(capsys):
    assert main(["--seed", SEED, "--places", "1", "a", "b"]) == 0
    assert lines(capsys)[0] == "commitment: not given (the seed cannot be checked)"


def test_the_published_json_file(tmp_path, capsys):
    drawn = order(SEED, ENTRANTS)
    path = tmp_path / "draw.json"
    path.write_text(json.dumps({"entrants": ENTRANTS, "places": 2, "seed": SEED,
                                "seed_sha256": commitment(SEED), "winners": drawn[:2],
                                "track": "deep tech"}), encoding="utf-8-sig")
    assert main(["--entrants-file", str(path)]) == 0
    out = lines(capsys)
    assert out[0].startswith("commitment: ok")
    assert out[2:4] == drawn[:2]
    assert out[-1] == "published winners: ok"


def test_published_winners_that_differ_exit_1(tmp_path, capsys):
    drawn = order(SEED, ENTRANTS)
    path = tmp_path / "draw.json"
    path.write_text(json.dumps({"entrants": ENTRANTS, "places": 1, "seed": SEED,
                                "seed_sha256": commitment(SEED), "winners": drawn[-1:]}))
    assert main(["--entrants-file", str(path)]) == 1
    assert lines(capsys)[-1].startswith("published winners: MISMATCH")


def test_a_file_published_before_the_draw_takes_the_seed_from_the_command_line(tmp_path, capsys):
    path = tmp_path / "draw.json"
    path.write_text(json.dumps({"entrants": ENTRANTS, "places": 3, "seed": "",
                                "seed_sha256": commitment(SEED)}))
    assert main(["--entrants-file", str(path), "--seed", SEED]) == 0
    assert lines(capsys)[2:5] == order(SEED, ENTRANTS)[:3]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--places", "1", "a"], "no seed"),
        (["--seed", SEED, "a", "b"], "no number of places"),
        (["--seed", SEED, "--places", "1"], "no entrants"),
        (["--seed", "xyz", "--places", "1", "a"], "64 hexadecimal digits"),
        (["--seed", SEED, "--places", "-1", "a"], "places must be >= 0"),
        (["--seed", SEED, "--places", "1", "a", "a"], "appears twice"),
        (["--entrants-file", "/nonexistent/draw.json"], "cannot read the file"),
    ],
)
def test_bad_input_exits_2_with_a_clear_error(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]", "expected a JSON object"),
        ('{"entrants": "a", "places": 1}', '"entrants" must be a list of strings'),
        ('{"entrants": ["a"], "places": "1"}', '"places" must be a whole number'),
        ('{"entrants": ["a"], "places": 1, "places": 2}', "appears twice"),
        ("{not json", "not valid JSON"),
    ],
)
def test_a_malformed_file_exits_2(tmp_path, capsys, content, message):
    path = tmp_path / "draw.json"
    path.write_text(content)
    assert main(["--entrants-file", str(path), "--seed", SEED]) == 2
    assert message in capsys.readouterr().err


def test_options_that_contradict_the_file_are_refused(tmp_path, capsys):
    path = tmp_path / "draw.json"
    path.write_text(json.dumps({"entrants": ENTRANTS, "places": 2, "seed": SEED}))
    assert main(["--entrants-file", str(path), "--places", "3"]) == 2
    assert "--places disagrees with the file" in capsys.readouterr().err
    assert main(["--entrants-file", str(path), "extra"]) == 2


def test_an_unknown_option_is_a_usage_error_with_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--bogus"])
    assert exit_.value.code == 2
