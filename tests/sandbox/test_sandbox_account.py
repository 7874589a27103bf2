"""The sandbox as a user meets it: one endpoint, real boto3 over HTTP, a believable account."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request

import boto3
import pytest
from botocore.config import Config

from advisor.sandbox.fleet import default_fleet, trace_service
from advisor.sandbox.server import Sandbox


def client(sandbox: Sandbox, service: str, region: str = "us-east-1"):
    return boto3.client(
        service,
        endpoint_url=sandbox.endpoint,
        region_name=region,
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
        config=Config(retries={"mode": "standard", "max_attempts": 8}),
    )


def control(sandbox: Sandbox, action: str, payload: dict | None = None) -> dict:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(
        f"{sandbox.endpoint}/_sandbox/{action}", data=data, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def sandbox():
    box = Sandbox(default_fleet(8), port=0, days=2, seed=7, operation_seconds=0.5, live=False)
    box.start()
    yield box
    box.stop()


def services_in(sandbox, region):
    return client(sandbox, "apprunner", region).list_services()["ServiceSummaryList"]


def test_fleet_spreads_over_regions_with_the_paused_service(sandbox):
    names = {
        s["ServiceName"]: s["Status"]
        for r in ("us-east-1", "eu-west-1", "us-west-2", "us-east-2", "ap-northeast-1")
        for s in services_in(sandbox, r)
    }
    assert len(names) == 8
    assert names["legacy-reports"] == "PAUSED"
    assert names["orders-api"] == "RUNNING"


def test_describe_service_shows_the_seeded_configuration(sandbox):
    apprunner = client(sandbox, "apprunner", "us-east-1")
    arn = next(
        s["ServiceArn"] for s in services_in(sandbox, "us-east-1") if s["ServiceName"] == "checkout-api"
    )
    service = apprunner.describe_service(ServiceArn=arn)["Service"]
    config = apprunner.describe_auto_scaling_configuration(
        AutoScalingConfigurationArn=service["AutoScalingConfigurationSummary"]["AutoScalingConfigurationArn"]
    )["AutoScalingConfiguration"]
    assert (config["MaxConcurrency"], config["MinSize"], config["MaxSize"]) == (150, 1, 2)
    assert service["InstanceConfiguration"]["Cpu"] in ("1024", "1 vCPU")


def metric(sandbox, region, name, service_id, metric_name, stat, hours=24):
    cloudwatch = client(sandbox, "cloudwatch", region)
    end = sandbox.world.produced_until.to_pydatetime()  # the last minute produced (the clock runs on)
    result = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "m0",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/AppRunner",
                        "MetricName": metric_name,
                        "Dimensions": [
                            {"Name": "ServiceName", "Value": name},
                            {"Name": "ServiceID", "Value": service_id},
                        ],
                    },
                    "Period": 60,
                    "Stat": stat,
                },
            }
        ],
        StartTime=end - dt.timedelta(hours=hours),
        EndTime=end,
        ScanBy="TimestampAscending",
    )
    return result["MetricDataResults"][0]


def test_metrics_are_there_with_percentiles_and_consistent(sandbox):
    summary = next(s for s in services_in(sandbox, "us-east-1") if s["ServiceName"] == "checkout-api")
    args = (sandbox, "us-east-1", "checkout-api", summary["ServiceId"])
    requests = metric(*args, "Requests", "Sum")
    assert len(requests["Values"]) == 24 * 60
    ok, client_err = metric(*args, "2xxStatusResponses", "Sum"), metric(*args, "4xxStatusResponses", "Sum")
    server_err = metric(*args, "5xxStatusResponses", "Sum")
    for i in range(0, 1440, 97):
        total = ok["Values"][i] + client_err["Values"][i] + server_err["Values"][i]
        assert total == pytest.approx(requests["Values"][i])
    # this service throttles: 429s show up as 4xx well above the 1% client errors
    assert sum(client_err["Values"]) > 0.03 * sum(requests["Values"])
    p50, p99 = metric(*args, "RequestLatency", "p50"), metric(*args, "RequestLatency", "p99")
    assert all(b > a for a, b in zip(p50["Values"][:100], p99["Values"][:100], strict=False))
    active = metric(*args, "ActiveInstances", "Maximum")
    assert max(active["Values"]) <= 2  # MaxSize 2


def test_logs_are_in_app_runners_groups(sandbox):
    summary = next(s for s in services_in(sandbox, "eu-west-1") if s["ServiceName"] == "shop-web")
    logs = client(sandbox, "logs", "eu-west-1")
    base = f"/aws/apprunner/shop-web/{summary['ServiceId']}"
    groups = {g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix=base)["logGroups"]}
    assert groups == {f"{base}/application", f"{base}/service"}
    events = logs.filter_log_events(logGroupName=f"{base}/service")["events"]
    assert any("Service status is set to RUNNING." in e["message"] for e in events)
    app = logs.filter_log_events(logGroupName=f"{base}/application", limit=50)
    assert app["events"] and all(e["logStreamName"].startswith("instance/") for e in app["events"])


def test_apply_then_advance_follows_the_new_configuration(sandbox):
    apprunner = client(sandbox, "apprunner", "us-east-1")
    summary = next(s for s in services_in(sandbox, "us-east-1") if s["ServiceName"] == "checkout-api")
    created = apprunner.create_auto_scaling_configuration(
        AutoScalingConfigurationName="checkout-fixed", MaxConcurrency=50, MinSize=4, MaxSize=20
    )["AutoScalingConfiguration"]
    apprunner.update_service(
        ServiceArn=summary["ServiceArn"], AutoScalingConfigurationArn=created["AutoScalingConfigurationArn"]
    )
    control(sandbox, "advance", {"hours": 0.02})  # let the 0.5 s operation finish on the sandbox clock
    assert apprunner.describe_service(ServiceArn=summary["ServiceArn"])["Service"]["Status"] == "RUNNING"
    result = control(sandbox, "advance", {"hours": 3})
    assert result["minutes"] >= 180
    active = metric(
        sandbox, "us-east-1", "checkout-api", summary["ServiceId"], "ActiveInstances", "Maximum", 2
    )
    assert max(active["Values"]) >= 4  # MinSize 4 now, above the old MaxSize 2
    service_log = client(sandbox, "logs", "us-east-1").filter_log_events(
        logGroupName=f"/aws/apprunner/checkout-api/{summary['ServiceId']}/service"
    )["events"]
    assert any("Deployment completed successfully." in e["message"] for e in service_log)


def test_sts_and_s3_are_moto(sandbox):
    assert client(sandbox, "sts").get_caller_identity()["Account"] == "123456789012"
    s3 = client(sandbox, "s3")
    s3.create_bucket(Bucket="reports")
    assert "reports" in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_throttling_is_injected_and_botocore_retries_through_it(sandbox):
    apprunner = client(sandbox, "apprunner", "us-east-1")
    control(sandbox, "throttle", {"fraction": 0.25})
    try:
        retries = [apprunner.list_services()["ResponseMetadata"]["RetryAttempts"] for _ in range(8)]
    finally:
        control(sandbox, "throttle", {"fraction": 0.0})
    assert sum(retries) > 0


def test_trace_seeded_service(tmp_path):
    import pandas as pd

    stamps = pd.date_range("2026-01-01", periods=3 * 1440, freq="1min", tz="UTC")
    path = tmp_path / "mine.csv"
    pd.DataFrame({"timestamp": stamps, "requests": 6000}).to_csv(path, index=False)
    box = Sandbox([trace_service(f"my-api={path}")], port=0, days=1, seed=1, live=False)
    box.start()
    try:
        summary = services_in(box, "us-east-1")[0]
        requests = metric(box, "us-east-1", "my-api", summary["ServiceId"], "Requests", "Sum", hours=20)
        assert set(requests["Values"]) == {6000.0}
    finally:
        box.stop()


def test_service_quotas_reports_app_runners_quotas_by_name(sandbox):
    quotas = client(sandbox, "service-quotas").list_service_quotas(ServiceCode="apprunner")["Quotas"]

    values = {q["QuotaName"]: q["Value"] for q in quotas}
    assert values == {
        "Auto scaling configurations": 10.0,
        "Auto scaling configuration revisions per name": 5.0,
        "Maximum instances per service": 25.0,
    }
    one = quotas[0]
    got = client(sandbox, "service-quotas").get_service_quota(
        ServiceCode="apprunner", QuotaCode=one["QuotaCode"]
    )
    assert got["Quota"]["QuotaArn"] == one["QuotaArn"] and ":servicequotas:us-east-1:" in one["QuotaArn"]


def test_service_quotas_for_another_service_is_no_such_resource(sandbox):
    quotas = client(sandbox, "service-quotas")

    with pytest.raises(quotas.exceptions.NoSuchResourceException):
        quotas.list_service_quotas(ServiceCode="lambda")


def test_a_raised_quota_is_reported_and_enforced(sandbox):
    try:
        assert control(sandbox, "quotas", {"config_names": 12, "max_size": 40})["config_names"] == 12
        quotas = client(sandbox, "service-quotas").list_service_quotas(ServiceCode="apprunner")["Quotas"]
        values = {q["QuotaName"]: q["Value"] for q in quotas}
        assert (
            values["Auto scaling configurations"] == 12.0 and values["Maximum instances per service"] == 40.0
        )
        created = client(sandbox, "apprunner", "us-west-1").create_auto_scaling_configuration(
            AutoScalingConfigurationName="big-one", MaxSize=40
        )
        assert created["AutoScalingConfiguration"]["MaxSize"] == 40
    finally:
        control(sandbox, "quotas", {"config_names": 10, "max_size": 25})
