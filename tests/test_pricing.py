import boto3
import numpy as np
import pytest

from advisor.domain import InstanceSize
from advisor.pricing.apprunner import (
    MINUTES_PER_MONTH,
    PRICES,
    PricingWarning,
    prices_estimated,
    prices_for,
    trajectory_cost,
)

SMALL = InstanceSize(1, 2)
PUBLISHED = ("us-east-1", "us-east-2", "us-west-2", "eu-west-1")  # the pricing page's four regions


def test_every_region_botocore_lists_for_apprunner_has_prices():
    listed = set(boto3.session.Session().get_available_regions("apprunner"))
    assert listed <= set(PRICES), sorted(listed - set(PRICES))


def test_the_pricing_page_regions_have_its_rates_and_are_not_estimates():
    for region in PUBLISHED:
        prices = prices_for(region)
        assert (prices.vcpu_hour, prices.active_gb_hour, prices.provisioned_gb_hour) == (0.064, 0.007, 0.007)
        assert not prices.estimated and not prices_estimated(region)


def test_tokyo_memory_is_the_footnotes_and_its_vcpu_an_estimate():
    tokyo = prices_for("ap-northeast-1")
    assert (tokyo.provisioned_gb_hour, tokyo.active_gb_hour) == (0.009, 0.009)
    assert tokyo.provisioned_memory.estimated is False
    assert tokyo.vcpu.estimated is True
    assert tokyo.estimated


def test_singapore_provisioned_memory_is_the_price_lists_and_separate_from_active_memory():
    singapore = prices_for("ap-southeast-1")
    assert singapore.provisioned_gb_hour == 0.00885
    assert singapore.provisioned_memory.estimated is False
    assert singapore.active_gb_hour == 0.009
    assert singapore.active_memory.estimated is True


@pytest.mark.parametrize("region", ["eu-central-1", "eu-west-2", "eu-west-3", "ap-south-1", "ap-southeast-2"])
def test_regions_without_a_published_price_are_estimates(region):
    prices = prices_for(region)
    assert prices.estimated and prices_estimated(region)
    assert "estimate" in prices.source


def test_reference_worked_examples_per_month():
    # reference/apprunner.md §2 uses 730 h; our month is 43,200 minutes (720 h), PROTOCOL.md §4.
    us = prices_for("us-east-1")
    assert us.monthly_idle_instance(SMALL) == pytest.approx(2 * 0.007 * 720)
    assert us.monthly_active_instance(SMALL) == pytest.approx((0.064 + 0.014) * 720)
    assert MINUTES_PER_MONTH == 720 * 60


def test_an_active_instance_is_billed_active_memory_not_provisioned_memory():
    # Singapore, 1 vCPU / 2 GB active all month: 720 h x (0.081 + 2 x 0.009), not 2 x 0.00885.
    assert prices_for("ap-southeast-1").monthly_active_instance(SMALL) == pytest.approx(720 * (0.081 + 0.018))
    assert prices_for("ap-southeast-1").monthly_idle_instance(SMALL) == pytest.approx(720 * 2 * 0.00885)


def test_unknown_region_falls_back_to_us_east_1_with_a_warning_and_as_an_estimate():
    with pytest.warns(PricingWarning, match="mars-1.*us-east-1"):
        prices = prices_for("mars-1")
    assert prices.fallback_for == "us-east-1"
    assert (prices.vcpu_hour, prices.provisioned_gb_hour) == (0.064, 0.007)
    assert prices.region == "mars-1"
    assert prices.estimated and prices_estimated("mars-1")


def test_trajectory_cost_bills_memory_for_provisioned_and_vcpu_for_active():
    us = prices_for("us-east-1")
    cost = trajectory_cost(np.array([1, 3]), np.array([0.0, 2.0]), InstanceSize(2, 4), us)
    assert cost[0] == pytest.approx(4 * 0.007 / 60)
    assert cost[1] == pytest.approx((3 * 4 * 0.007 + 2 * 2 * 0.064) / 60)


def test_trajectory_cost_bills_active_memory_at_its_own_rate():
    # Singapore, 1 vCPU / 2 GB: 3 instances hold memory, 1 of them active.
    cost = trajectory_cost(np.array([3]), np.array([1.0]), SMALL, prices_for("ap-southeast-1"))
    assert cost[0] == pytest.approx((2 * 2 * 0.00885 + 2 * 0.009 + 0.081) / 60)


def test_every_price_names_its_source():
    for prices in PRICES.values():
        assert all(r.source for r in (prices.vcpu, prices.active_memory, prices.provisioned_memory))
