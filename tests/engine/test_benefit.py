"""The minimum benefit: a change is recommended only when it is worth it (hand-worked outcomes)."""

from advisor.domain import ScalingConfig
from advisor.engine.benefit import CHANGE, KEEP, MinimumBenefit, judge
from advisor.engine.explain import Outcome

NOW = ScalingConfig(100, 1, 25)
BEST = ScalingConfig(50, 1, 4)
ALLOWED = {"history": 20, "forecast": 20}  # the error budget's minutes on each scenario


def outcomes(config, cost, breach=0, history_breach=None):
    history = breach if history_breach is None else history_breach
    return {
        "history": Outcome(config, "history", 20_160, cost, history, 0.0),
        "forecast": Outcome(config, "forecast", 20_160, cost, breach, 0.0),
    }


def verdict(now_cost, best_cost, now_breach=0, best_breach=0, benefit=MinimumBenefit()):
    return judge(
        outcomes(NOW, now_cost, now_breach), outcomes(BEST, best_cost, best_breach), ALLOWED, benefit
    )


def test_fifty_cents_on_a_hundred_dollars_keeps_the_current_configuration_with_the_reason():
    v = verdict(100.0, 99.5)
    assert v.action == KEEP
    assert "Keep current 100/1/25" in v.reason and "50/1/4" in v.reason
    assert "$0.50/month (0%)" in v.reason and "$1.00 and 5%" in v.reason


def test_ten_dollars_of_a_hundred_is_a_change():
    v = verdict(100.0, 90.0)
    assert v.action == CHANGE and v.basis == "savings" and "$10.00/month (10%)" in v.reason


def test_two_dollars_of_a_hundred_passes_the_dollar_but_not_the_five_percent():
    assert verdict(100.0, 98.0).action == KEEP


def test_eighty_cents_of_four_dollars_passes_the_percent_but_not_the_dollar():
    assert verdict(4.0, 3.2).action == KEEP  # 20%, but $0.80


def test_exactly_one_dollar_and_five_percent_is_enough():
    assert verdict(20.0, 19.0).action == CHANGE  # $1.00 and 5.0%


def test_a_costlier_change_that_removes_a_quarter_of_the_budget_in_breach_minutes_is_worth_it():
    # a quarter of 20 allowed minutes is 5: 12 -> 7 removes 5
    v = verdict(10.0, 13.0, now_breach=12, best_breach=7)
    assert v.action == CHANGE and v.basis == "risk" and "12 -> 7" in v.reason


def test_removing_fewer_breach_minutes_than_a_quarter_of_the_budget_is_not_material():
    assert verdict(10.0, 10.5, now_breach=12, best_breach=8).action == KEEP  # 4 < 5


def test_leaving_a_budget_the_current_configuration_breaks_is_worth_it_however_small_the_cut():
    v = verdict(10.0, 10.5, now_breach=22, best_breach=19)  # 3 minutes, but 22 > 20 >= 19
    assert v.action == CHANGE and "within the error budget" in v.reason


def test_with_no_budget_one_breach_minute_less_is_material():
    benefit = MinimumBenefit()
    assert benefit.breach_cut_needed(0) == 1
    v = judge(outcomes(NOW, 10.0, 1), outcomes(BEST, 10.0, 0), {"history": 0, "forecast": 0}, benefit)
    assert v.action == CHANGE


def test_the_current_configuration_as_the_best_candidate_is_kept_as_such():
    v = judge(outcomes(NOW, 10.0), outcomes(NOW, 10.0), ALLOWED, MinimumBenefit())
    assert v.action == KEEP and "already the best" in v.reason


def test_the_thresholds_are_settable():
    assert verdict(100.0, 99.5, benefit=MinimumBenefit(0.25, 0.1)).action == CHANGE
    assert verdict(100.0, 90.0, benefit=MinimumBenefit(20.0, 5.0)).action == KEEP
