"""Apply finds the service's region (and account) in the lake when the user names only the service, and
asks for --region only when the lake holds that name in more than one place."""

from __future__ import annotations

import sys

import pytest

from advisor import cli as advisor_cli
from advisor.apply.locate import Located, account_problem

from .conftest import collect_inventory

VALUES = ("-c", "60", "-m", "2", "-M", "8")


@pytest.fixture
def cli(endpoint, lake, monkeypatch, capsys):
    """advisor.cli.main() in process with no --region (AWS_DEFAULT_REGION is us-east-1)."""
    monkeypatch.setenv("ADVISOR_LAKE", str(lake))

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["advisor", *args, "--endpoint-url", endpoint.url])
        with pytest.raises(SystemExit) as exit_info:
            advisor_cli.main()
        out = capsys.readouterr()
        return exit_info.value.code, out.out, out.err

    return run


def test_the_region_comes_from_the_lake_when_the_name_is_unique_there(cli, emulator, endpoint, lake):
    emulator.add_service("ap-northeast-1", "catalog-svc", max_concurrency=100, min_size=10, max_size=25)
    collect_inventory(endpoint, lake, "ap-northeast-1", "us-east-1")

    code, out, err = cli("apply", "--service", "catalog-svc", *VALUES, "--dry-run")

    assert code == 0, err
    assert "catalog-svc (ap-northeast-1)" in out


def test_apply_asks_for_the_region_when_the_lake_has_the_name_twice(cli, emulator, endpoint, lake):
    for region in ("eu-west-1", "us-east-2"):
        emulator.add_service(region, "shop-web")
    collect_inventory(endpoint, lake, "eu-west-1", "us-east-2")

    code, _, err = cli("apply", "--service", "shop-web", *VALUES, "--dry-run")

    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "eu-west-1" in err and "us-east-2" in err and "--region" in err


def test_region_chooses_between_two_services_of_one_name(cli, emulator, endpoint, lake):
    for region in ("eu-west-1", "us-east-2"):
        emulator.add_service(region, "shop-web")
    collect_inventory(endpoint, lake, "eu-west-1", "us-east-2")

    code, out, err = cli("apply", "--service", "shop-web", *VALUES, "--dry-run", "--region", "us-east-2")

    assert code == 0, err
    assert "shop-web (us-east-2)" in out


def test_a_service_the_lake_does_not_know_is_looked_up_in_the_default_region(cli, emulator, endpoint):
    emulator.add_service("us-east-1", "fresh-svc")

    code, out, err = cli("apply", "--service", "fresh-svc", *VALUES, "--dry-run")

    assert code == 0, err
    assert "fresh-svc (us-east-1)" in out


def test_rollback_finds_the_region_in_the_lake_too(cli, emulator, endpoint, lake):
    emulator.add_service("eu-west-1", "admin-tool", max_concurrency=80, max_size=10)
    emulator.operation_seconds = 0
    collect_inventory(endpoint, lake, "eu-west-1")
    code, _, err = cli("apply", "--service", "admin-tool", *VALUES, "--yes", "--allow-apply")
    assert code == 0, err

    code, _, err = cli("rollback", "--service", "admin-tool", "--yes", "--allow-apply")

    assert code == 0, err
    service = emulator.services("eu-west-1")[0]
    assert emulator.service_scaling(service["ServiceArn"]) == (80, 1, 10)


def test_credentials_for_another_account_than_the_lakes_are_named():
    located = Located(
        "arn:aws:apprunner:eu-west-1:111111111111:service/a/" + "0" * 32, "eu-west-1", "111111111111", True
    )

    problem = account_problem(located, "arn:aws:iam::123456789012:user/dev")

    assert "account 111111111111" in problem and "123456789012" in problem and "--profile" in problem
    assert account_problem(located, "arn:aws:iam::111111111111:user/dev") is None
