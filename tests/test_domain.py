import warnings

import pytest

from advisor.domain import (
    DEFAULT_SCALING,
    InstanceSize,
    QuotaWarning,
    ScalingConfig,
    ServiceRef,
    check_config_name,
)
from advisor.errors import ConfigError, InputError

ARN = "arn:aws:apprunner:eu-west-1:123456789012:service/shop-web/ac7ec8b51ff34746bcb6654e0bcb23da"


def test_default_is_app_runners_100_1_25():
    assert (DEFAULT_SCALING.max_concurrency, DEFAULT_SCALING.min_size, DEFAULT_SCALING.max_size) == (
        100,
        1,
        25,
    )
    assert ScalingConfig() == DEFAULT_SCALING


@pytest.mark.parametrize(
    ("args", "field", "allowed"),
    [
        ((0, 1, 25), "MaxConcurrency", "1 to 200"),
        ((201, 1, 25), "MaxConcurrency", "1 to 200"),
        ((100, 0, 25), "MinSize", "1 to 25"),
        ((100, 26, 30), "MinSize", "1 to 25"),
        ((100, 1, 0), "MaxSize", "at least 1"),
        ((100, 5, 4), "MaxSize", "at least MinSize (5)"),
        ((100.5, 1, 25), "MaxConcurrency", "integer"),
        (("many", 1, 25), "MaxConcurrency", "integer"),
        ((True, 1, 25), "MaxConcurrency", "integer"),
    ],
)
def test_invalid_scaling_values_name_field_value_and_range(args, field, allowed):
    with pytest.raises(ConfigError) as caught:
        ScalingConfig(*args)
    message = str(caught.value)
    assert message.startswith(f"{field}=")
    assert allowed in message
    assert caught.value.field == field
    assert isinstance(caught.value, InputError)


def test_limits_are_inclusive():
    assert ScalingConfig(200, 25, 25).max_concurrency == 200
    assert ScalingConfig(1, 1, 1).min_size == 1


def test_max_size_above_quota_is_allowed_with_a_warning():
    with pytest.warns(QuotaWarning, match="quota increase"):
        config = ScalingConfig(100, 1, 40)
    assert config.max_size == 40


def test_max_size_at_quota_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ScalingConfig(100, 1, 25)


def test_integral_strings_and_floats_are_accepted_as_integers():
    assert ScalingConfig("80", 2.0, "10") == ScalingConfig(80, 2, 10)


def test_api_round_trip():
    api = {"MaxConcurrency": 50, "MinSize": 2, "MaxSize": 8, "AutoScalingConfigurationArn": "x"}
    config = ScalingConfig.from_api(api)
    assert config.to_api() == {"MaxConcurrency": 50, "MinSize": 2, "MaxSize": 8}
    assert str(config) == "50/2/8"


@pytest.mark.parametrize(
    ("cpu", "memory", "expected"),
    [
        ("1 vCPU", "2 GB", (1.0, 2.0)),
        ("1024", "2048", (1.0, 2.0)),
        ("0.25 vCPU", "0.5 GB", (0.25, 0.5)),
        ("256", "512", (0.25, 0.5)),
        (4, 12, (4.0, 12.0)),
        ("4096", "12288", (4.0, 12.0)),
        ("2 vcpu", "6 gb", (2.0, 6.0)),
    ],
)
def test_instance_size_parses_both_api_notations(cpu, memory, expected):
    size = InstanceSize.parse(cpu, memory)
    assert (size.cpu_vcpu, size.memory_gb) == expected


def test_every_valid_pair_and_only_those():
    pairs = {(s.cpu_vcpu, s.memory_gb) for s in InstanceSize.all()}
    assert pairs == {
        (0.25, 0.5),
        (0.25, 1),
        (0.5, 1),
        (1, 2),
        (1, 3),
        (1, 4),
        (2, 4),
        (2, 6),
        (4, 8),
        (4, 10),
        (4, 12),
    }


@pytest.mark.parametrize(
    ("cpu", "memory", "field", "hint"),
    [
        ("1 vCPU", "8 GB", "Memory", "2 GB or 3 GB or 4 GB with 1 vCPU"),
        ("3 vCPU", "6 GB", "Cpu", "0.25, 0.5, 1, 2, 4"),
        ("lots", "2 GB", "Cpu", "vCPU"),
        ("1 vCPU", "2 TB", "Memory", "GB"),
    ],
)
def test_invalid_instance_size_says_what_is_allowed(cpu, memory, field, hint):
    with pytest.raises(ConfigError) as caught:
        InstanceSize.parse(cpu, memory)
    assert caught.value.field == field
    assert hint in str(caught.value)


def test_instance_size_to_api_uses_units():
    assert InstanceSize(0.5, 1).to_api() == {"Cpu": "512", "Memory": "1024"}
    assert str(InstanceSize(1, 2)) == "1 vCPU / 2 GB"


def test_service_ref_round_trips_its_arn():
    ref = ServiceRef.from_arn(ARN)
    assert (ref.account_id, ref.region, ref.service_name) == ("123456789012", "eu-west-1", "shop-web")
    assert ref.service_id == "ac7ec8b51ff34746bcb6654e0bcb23da"
    assert ref.arn == ARN


@pytest.mark.parametrize(
    "arn",
    [
        "",
        "arn:aws:ecs:eu-west-1:123456789012:service/shop-web/ac7ec8b51ff34746bcb6654e0bcb23da",
        "arn:aws:apprunner:eu-west-1:123456789012:service/shop-web/not-an-id",
        "arn:aws:apprunner:eu-west-1:12345:service/shop-web/ac7ec8b51ff34746bcb6654e0bcb23da",
    ],
)
def test_bad_service_arn_is_rejected(arn):
    with pytest.raises(ConfigError, match="ServiceArn"):
        ServiceRef.from_arn(arn)


def test_service_name_pattern_is_enforced():
    with pytest.raises(ConfigError, match="ServiceName"):
        ServiceRef("123456789012", "us-east-1", "bad name!", "ac7ec8b51ff34746bcb6654e0bcb23da")


@pytest.mark.parametrize("name", ["abc", "-abc", "a" * 33, "has space", ""])
def test_config_name_pattern(name):
    with pytest.raises(ConfigError, match="AutoScalingConfigurationName"):
        check_config_name(name)


def test_good_config_name():
    assert check_config_name("advisor-shop_web") == "advisor-shop_web"
