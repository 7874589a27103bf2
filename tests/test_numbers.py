"""How numbers read in the CLI, the dashboard and the report: one module, worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from advisor.presentation.numbers import MISSING, count, duration, money, percent, signed_money, size


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1234.5, "$1,234.50"),
        (-18.22, "-$18.22"),
        (0.0, "$0.00"),
        (0.004, "$0.00"),
        (-1_000_000, "-$1,000,000.00"),
    ],
)
def test_money_puts_the_sign_in_front_of_the_dollar(value, shown):
    assert money(value) == shown


@pytest.mark.parametrize("missing", [None, math.nan, np.float64("nan"), pd.NA, pd.NaT])
def test_a_missing_value_is_shown_one_way_everywhere(missing):
    assert MISSING == "?"
    for show in (money, signed_money, count, percent, duration, size):
        assert show(missing) == MISSING


def test_money_priced_from_an_unpublished_rate_says_it_is_an_estimate():
    assert (money(56.94, estimate=True), money(-369.35, estimate=True)) == ("≈$56.94", "≈-$369.35")
    assert (signed_money(3, estimate=True), signed_money(-3, estimate=True)) == ("≈+$3.00", "≈-$3.00")
    assert money(12.5, estimate=False) == "$12.50"


def test_less_than_half_a_cent_below_zero_is_no_loss():
    assert (money(-0.004), signed_money(-0.004), signed_money(0.004)) == ("$0.00", "$0.00", "$0.00")


def test_a_change_in_money_says_which_way():
    assert (signed_money(3), signed_money(-18.22), signed_money(0)) == ("+$3.00", "-$18.22", "$0.00")


def test_counts_percentages_and_sizes():
    assert (count(12960), count(12.6), count(np.int64(3))) == ("12,960", "13", "3")
    assert (percent(0.1234), percent(0.001, digits=2), percent(1)) == ("12.3%", "0.10%", "100.0%")
    assert (size(512), size(1536), size(3 * 1024**2 + 200 * 1024)) == ("512 B", "1.5 KiB", "3.2 MiB")


def test_durations_take_the_largest_unit_that_reads_well():
    assert [duration(s) for s in (0.42, 59.9, 210, 7200, 3 * 86400)] == [
        "0.4 s",
        "59.9 s",
        "3.5 min",
        "2.0 h",
        "3.0 days",
    ]
