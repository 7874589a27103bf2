"""The lake's tables (DESIGN.md "The lake"): columns, hive partitions, and the key a row is unique by.

Partition columns live in the directory names only (`region=us-east-1/`), never inside the files, and
are always strings, so pandas, DuckDB, Spark and Athena read them the same way (a service id of only
digits or a date would otherwise be guessed as a number or a DATE by some readers and not others).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

TIMESTAMP = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class Table:
    """One table: what its files hold, how it is partitioned, what makes a row unique, and its clock."""

    name: str
    columns: pa.Schema  # the columns inside each file (partition columns excluded)
    partition_by: tuple[str, ...]
    key: tuple[str, ...]
    time_column: str  # the row's time: range filters, and the UTC date of `date`/`snapshot_date`

    def __post_init__(self) -> None:
        missing = [c for c in (*self.key, self.time_column) if c not in self.columns.names]
        if missing:
            raise ValueError(f"{self.name}: key/time columns {missing} are not columns of the table")
        clash = set(self.partition_by) & set(self.columns.names)
        if clash:
            raise ValueError(f"{self.name}: partition columns {sorted(clash)} must not be file columns")

    @property
    def partition_schema(self) -> pa.Schema:
        return pa.schema([pa.field(p, pa.string()) for p in self.partition_by])

    @property
    def schema(self) -> pa.Schema:
        """Everything a reader sees: the file columns, then the partition columns."""
        return pa.schema([*self.columns, *self.partition_schema])

    @property
    def date_partition(self) -> str | None:
        """The partition holding the UTC date of `time_column`, if the table has one."""
        return next((p for p in self.partition_by if p in ("date", "snapshot_date")), None)


def _schema(*fields: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema([pa.field(name, kind) for name, kind in fields])


SERVICES = Table(
    "services",
    _schema(
        ("snapshot_time", TIMESTAMP),
        ("account_id", pa.string()),
        ("region", pa.string()),
        ("service_arn", pa.string()),
        ("service_name", pa.string()),
        ("service_id", pa.string()),
        ("status", pa.string()),
        ("cpu_vcpu", pa.float64()),
        ("memory_gb", pa.float64()),
        ("autoscaling_config_arn", pa.string()),
        ("autoscaling_config_name", pa.string()),
        ("autoscaling_config_revision", pa.int32()),
        ("max_concurrency", pa.int32()),
        ("min_size", pa.int32()),
        ("max_size", pa.int32()),
        ("service_url", pa.string()),
        ("created_at", TIMESTAMP),
        ("updated_at", TIMESTAMP),
        # The setup a migration must reproduce; null in snapshots taken before it was collected. Lists are
        # comma-separated names (never values): "" is "none", null is "not known".
        ("source_type", pa.string()),  # image | code
        ("image_identifier", pa.string()),
        ("image_repository_type", pa.string()),  # ECR | ECR_PUBLIC
        ("code_repository_url", pa.string()),
        ("port", pa.int32()),
        ("env_names", pa.string()),
        ("secret_names", pa.string()),
        ("start_command", pa.bool_()),  # the service overrides the image's start command
        ("health_check_protocol", pa.string()),  # TCP | HTTP
        ("health_check_path", pa.string()),
        ("instance_role_arn", pa.string()),
        ("egress_type", pa.string()),  # DEFAULT | VPC
        ("vpc_connector_arn", pa.string()),
        ("vpc_subnets", pa.string()),  # the VPC connector's
        ("vpc_security_groups", pa.string()),
        ("publicly_accessible", pa.bool_()),
        ("custom_domains", pa.string()),
        ("observability_enabled", pa.bool_()),
        ("kms_key", pa.bool_()),
    ),
    partition_by=("snapshot_date",),
    key=("service_arn", "snapshot_time"),
    time_column="snapshot_time",
)

METRICS = Table(
    "metrics",
    _schema(
        ("service_arn", pa.string()),
        ("metric", pa.string()),
        ("stat", pa.string()),
        ("period_s", pa.int32()),
        ("timestamp", TIMESTAMP),
        ("value", pa.float64()),
        ("unit", pa.string()),
    ),
    partition_by=("region", "service_id", "date"),
    key=("service_arn", "metric", "stat", "period_s", "timestamp"),
    time_column="timestamp",
)

LOGS = Table(
    "logs",
    _schema(
        ("service_arn", pa.string()),
        ("log_group", pa.string()),
        ("event_id", pa.string()),
        ("timestamp", TIMESTAMP),
        ("ingestion_time", TIMESTAMP),
        ("kind", pa.string()),  # application | service
        ("log_stream", pa.string()),
        ("message", pa.string()),
    ),
    partition_by=("region", "service_id", "date"),
    key=("log_group", "event_id"),
    time_column="timestamp",
)

OPERATIONS = Table(
    "operations",
    _schema(
        ("operation_id", pa.string()),
        ("service_arn", pa.string()),
        ("type", pa.string()),
        ("status", pa.string()),
        ("started_at", TIMESTAMP),
        ("ended_at", TIMESTAMP),
        ("updated_at", TIMESTAMP),
        ("source", pa.string()),  # list_operations | service_log
    ),
    partition_by=("region",),
    key=("operation_id",),
    time_column="started_at",
)

RECOMMENDATIONS = Table(
    "recommendations",
    _schema(
        ("generated_at", TIMESTAMP),
        ("service_arn", pa.string()),
        ("service_name", pa.string()),
        ("region", pa.string()),
        ("current_max_concurrency", pa.int32()),
        ("current_min_size", pa.int32()),
        ("current_max_size", pa.int32()),
        ("current_cpu_vcpu", pa.float64()),
        ("current_memory_gb", pa.float64()),
        ("recommended_max_concurrency", pa.int32()),
        ("recommended_min_size", pa.int32()),
        ("recommended_max_size", pa.int32()),
        ("recommended_cpu_vcpu", pa.float64()),
        ("recommended_memory_gb", pa.float64()),
        ("current_monthly_cost", pa.float64()),
        ("predicted_monthly_cost", pa.float64()),
        ("monthly_savings", pa.float64()),
        ("predicted_breach_minutes", pa.float64()),
        ("predicted_throttled_requests", pa.float64()),
        ("confidence", pa.string()),
        ("explanation", pa.string()),
        (
            "risks",
            pa.string(),
        ),  # current configuration's, comma-separated: throttling, latency, cold starts
        ("recommended_risks", pa.string()),  # the recommended configuration's: throttling, latency
        ("action", pa.string()),  # "change", "keep" (recommended = current: not worth a change) or "none"
        ("data_until", TIMESTAMP),  # the newest minute of metrics the recommendation saw
        ("evidence_json", pa.string()),
    ),
    partition_by=("date",),
    key=("service_arn", "generated_at"),
    time_column="generated_at",
)

ACTIONS = Table(
    "actions",
    _schema(
        ("action_id", pa.string()),
        ("created_at", TIMESTAMP),
        ("actor", pa.string()),
        ("service_arn", pa.string()),
        ("before", pa.string()),  # JSON of the configuration before
        ("after", pa.string()),  # JSON of the configuration after
        ("operation_id", pa.string()),
        ("status", pa.string()),
        ("rollback_of", pa.string()),
        ("message", pa.string()),
        ("kind", pa.string()),  # apply | rollback
        ("source", pa.string()),  # what asked for it: a recommendation, explicit values, an action
        ("duration_s", pa.float64()),  # from the first AWS call to the audit row
    ),
    partition_by=("date",),
    key=("action_id",),
    time_column="created_at",
)

COSTS = Table(
    "costs",
    _schema(
        ("usage_date", TIMESTAMP),  # the UTC day billed, at midnight
        ("service_arn", pa.string()),
        ("usage_type", pa.string()),  # the bill's name: USE1-AppRunner-vCPU-hours, ...
        ("cost_usd", pa.float64()),  # UnblendedCost
        ("usage_quantity", pa.float64()),
        ("unit", pa.string()),
        ("estimated", pa.bool_()),  # the bill for that day was not final when collected
        ("collected_at", TIMESTAMP),
    ),
    partition_by=("date",),
    key=("service_arn", "usage_type", "usage_date"),
    time_column="usage_date",
)

TABLES: dict[str, Table] = {
    t.name: t for t in (SERVICES, METRICS, LOGS, OPERATIONS, RECOMMENDATIONS, ACTIONS, COSTS)
}


def table(name: str) -> Table:
    try:
        return TABLES[name]
    except KeyError:
        raise ValueError(f"no lake table {name!r}: the tables are {', '.join(TABLES)}") from None
