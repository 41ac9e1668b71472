"""Dates as metadata and CLI filters state them, with their precision."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from searchidx.dates import parse_date, parse_user_date
from searchidx.errors import QueryError


@pytest.mark.parametrize(
    ("text", "value", "precision"),
    [
        ("2023-09-05", "2023-09-05", "day"),
        ("2023-9-5", "2023-09-05", "day"),
        ("2023-09", "2023-09", "month"),
        ("2023", "2023", "year"),
        ("2020-03-13T10:00:00+01:00", "2020-03-13", "day"),
        ("2020-03-13T23:30:00Z", "2020-03-13", "day"),
        ("2020-03-13 10:00", "2020-03-13", "day"),
        ("20230905", "2023-09-05", "day"),
        ("2023/09/05", "2023-09-05", "day"),
        ("5/9/2023", "2023-09-05", "day"),  # Italian order: day first
        ("05.09.2023 10:30", "2023-09-05", "day"),
        ("31 Ago 2023", "2023-08-31", "day"),
        ("31 agosto 2023", "2023-08-31", "day"),
        ("5 settembre 2023", "2023-09-05", "day"),
        ("5 SETTEMBRE 2023", "2023-09-05", "day"),
        ("3 sett. 2023", "2023-09-03", "day"),
        ("15 Set 2023", "2023-09-15", "day"),
        ("05-set-2023", "2023-09-05", "day"),
        ("1° settembre 2023", "2023-09-01", "day"),
        ("1º settembre 2023", "2023-09-01", "day"),
        ("lunedì 4 settembre 2023", "2023-09-04", "day"),
        ("Lunedì, 4 settembre 2023", "2023-09-04", "day"),
        ("31 agosto 2023, ore 10:30", "2023-08-31", "day"),
        ("settembre 2023", "2023-09", "month"),
        ("Sett. 2023", "2023-09", "month"),
        ("September 5, 2023", "2023-09-05", "day"),
        ("Tuesday, September 5th, 2023", "2023-09-05", "day"),
        ("5 Sep 2023", "2023-09-05", "day"),
        ("September 2023", "2023-09", "month"),
        ("  2023-09-05  ", "2023-09-05", "day"),
    ],
)
def test_formats_keep_their_precision(text: str, value: str, precision: str) -> None:
    parsed = parse_date(text)
    assert parsed is not None
    assert (parsed.value, parsed.precision) == (value, precision)


def test_month_precision_covers_the_whole_month() -> None:
    parsed = parse_date("2024-02")
    assert parsed is not None
    assert (parsed.start, parsed.end) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))


@pytest.mark.parametrize(
    "text",
    ["2023-13-45", "2023-02-30", "20231345", "31/02/2023", "31 febbraio 2023", "0000"],
)
def test_impossible_dates_are_none(text: str) -> None:
    assert parse_date(text) is None


@pytest.mark.parametrize(
    "text",
    ["lunedì", "ieri", "oggi", "domani", "2 anni fa", "12 marzo", "marzo", "ciao", "",
     "Kim 2023 Putin e tante altre parole in una frase lunga che non è una data"],
)
def test_weekdays_relative_words_and_non_dates_are_none(text: str) -> None:
    assert parse_date(text) is None


def test_dateparser_fallback_for_rarer_shapes() -> None:
    parsed = parse_date("2023 settembre 5")
    assert parsed is not None and (parsed.value, parsed.precision) == ("2023-09-05", "day")


def test_months_can_come_from_the_caller() -> None:
    months = {"septembre": 9}
    parsed = parse_date("5 septembre 2023", months=months, weekdays=[])
    assert parsed is not None and parsed.value == "2023-09-05"


def test_fast_path_never_imports_dateparser() -> None:
    """``searchidx query`` must start fast: common dates and non-dates stay off dateparser."""
    code = (
        "import sys\n"
        "from searchidx.dates import parse_date, parse_user_date\n"
        "for s in ['2023-09-05', '2023-09', '31 Ago 2023', 'settembre 2023', 'lunedì',\n"
        "          'ieri', '12 marzo', '2023-13-45', '20230905']:\n"
        "    parse_date(s)\n"
        "parse_user_date('1 settembre 2023', '--from')\n"
        "assert 'dateparser' not in sys.modules, 'dateparser imported'\n"
        "assert 'ftfy' not in sys.modules, 'ftfy imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_user_date_ok() -> None:
    assert parse_user_date("1 settembre 2023", "--from").value == "2023-09-01"
    assert parse_user_date("2023-09", "--to").precision == "month"


def test_user_date_error_names_option_and_formats() -> None:
    with pytest.raises(QueryError) as err:
        parse_user_date("ieri", "--from")
    assert str(err.value) == (
        "--from 'ieri': not a date; use YYYY-MM-DD, YYYY-MM, YYYY or e.g. '1 settembre 2023'"
    )
