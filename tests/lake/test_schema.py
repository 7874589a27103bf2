"""The tables of DESIGN.md, with the partitions and keys it documents."""

from __future__ import annotations

import pyarrow as pa
import pytest

from advisor.lake.schema import TABLES, table


@pytest.mark.parametrize(
    ("name", "partition_by", "key"),
    [
        ("services", ("snapshot_date",), ("service_arn", "snapshot_time")),
        (
            "metrics",
            ("region", "service_id", "date"),
            ("service_arn", "metric", "stat", "period_s", "timestamp"),
        ),
        ("logs", ("region", "service_id", "date"), ("log_group", "event_id")),
        ("operations", ("region",), ("operation_id",)),
        ("recommendations", ("date",), ("service_arn", "generated_at")),
        ("actions", ("date",), ("action_id",)),
    ],
)
def test_each_table_is_partitioned_and_keyed_as_designed(name, partition_by, key):
    spec = table(name)
    assert spec.partition_by == partition_by
    assert spec.key == key
    assert all(spec.schema.field(p).type == pa.string() for p in partition_by)


def test_the_documented_columns_are_there():
    assert {"value", "unit", "timestamp"} <= set(TABLES["metrics"].columns.names)
    assert {"timestamp", "kind", "log_stream", "message"} <= set(TABLES["logs"].columns.names)
    documented_services = [
        "account_id",
        "region",
        "service_arn",
        "service_name",
        "service_id",
        "status",
        "cpu_vcpu",
        "memory_gb",
        "autoscaling_config_arn",
        "max_concurrency",
        "min_size",
        "max_size",
        "service_url",
    ]
    assert set(documented_services) <= set(TABLES["services"].columns.names)
    assert {"service_arn", "type", "status", "started_at", "ended_at"} <= set(
        TABLES["operations"].columns.names
    )
    assert {"actor", "service_arn", "before", "after", "operation_id", "status", "rollback_of"} <= set(
        TABLES["actions"].columns.names
    )


def test_an_unknown_table_names_the_known_ones():
    with pytest.raises(ValueError, match="metrics"):
        table("metric")
