import numpy as np
import pytest

from advisor.domain import InstanceSize
from advisor.pricing.apprunner import MINUTES_PER_MONTH, PRICES, PricingWarning, prices_for, trajectory_cost

SMALL = InstanceSize(1, 2)


def test_documented_regions_have_documented_rates():
    for region in ("us-east-1", "us-east-2", "us-west-2", "eu-west-1"):
        prices = prices_for(region)
        assert (prices.vcpu_hour, prices.gb_hour) == (0.064, 0.007)
        assert prices.fallback_for is None
    assert prices_for("ap-northeast-1").gb_hour == 0.009
    assert prices_for("ap-southeast-1").gb_hour == 0.00885


def test_reference_worked_examples_per_month():
    # reference/apprunner.md §2 uses 730 h; our month is 43,200 minutes (720 h), PROTOCOL.md §4.
    us = prices_for("us-east-1")
    assert us.monthly_idle_instance(SMALL) == pytest.approx(2 * 0.007 * 720)
    assert us.monthly_active_instance(SMALL) == pytest.approx((0.064 + 0.014) * 720)
    assert MINUTES_PER_MONTH == 720 * 60


def test_unknown_region_falls_back_to_us_east_1_with_a_warning():
    with pytest.warns(PricingWarning, match="mars-1.*us-east-1"):
        prices = prices_for("mars-1")
    assert prices.fallback_for == "us-east-1"
    assert (prices.vcpu_hour, prices.gb_hour) == (0.064, 0.007)
    assert prices.region == "mars-1"


def test_trajectory_cost_bills_memory_for_provisioned_and_vcpu_for_active():
    us = prices_for("us-east-1")
    cost = trajectory_cost(np.array([1, 3]), np.array([0.0, 2.0]), InstanceSize(2, 4), us)
    assert cost[0] == pytest.approx(4 * 0.007 / 60)
    assert cost[1] == pytest.approx((3 * 4 * 0.007 + 2 * 2 * 0.064) / 60)


def test_every_price_names_its_source():
    assert all(p.source for p in PRICES.values())
