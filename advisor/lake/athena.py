"""The lake as Glue/Athena tables: one `CREATE EXTERNAL TABLE` per lake table, Parquet, hive partitions.

Athena finds partitions by projection (TBLPROPERTIES `projection.*`), not by a crawler or
`MSCK REPAIR TABLE`: a new day or service is queryable the moment its file lands, and a query's
partition filter becomes S3 prefixes without a Glue catalog call. Dates project as a date range up to
NOW, regions as the App Runner regions; a service id is 32 random hex digits, which no range or list
describes, so it is `injected`: queries on `metrics` and `logs` name their service
(`WHERE service_id = '...'`), which is how those tables are read anyway (one service's minutes). The
fleet's questions (cost, savings) are on `costs` and `recommendations`, partitioned by date only.

Readers skip names starting with `_` or `.` (Athena, Spark and Hive all do), which is what hides the
lake's `_state/` store and any temp object. Spark SQL runs the same statements (it ignores the
projection properties; `MSCK REPAIR TABLE` finds its partitions), which is how the tests check them.
"""

from __future__ import annotations

import re

import pyarrow as pa

from advisor.errors import InputError
from advisor.lake.layout import Lake
from advisor.lake.schema import TABLES, Table
from advisor.lake.storage import on_s3
from advisor.pricing.apprunner import PRICES

FIRST_DAY = "2020-01-01"  # before App Runner (May 2021): a projected range must start somewhere
DEFAULT_DATABASE = "apprunner_advisor"
_HIVE_TYPES = {
    pa.string(): "string",
    pa.float64(): "double",
    pa.int32(): "int",
    pa.int64(): "bigint",
    pa.bool_(): "boolean",
    pa.timestamp("us", tz="UTC"): "timestamp",
}


def location(lake: Lake) -> str:
    """Where the tables' files are, as a URI: `s3://...` for Athena; `file:` for a local lake (Spark)."""
    return str(lake.root) if on_s3(lake.root) else lake.root.resolve().as_uri()


def create_table_ddl(lake: Lake, spec: Table, database: str = DEFAULT_DATABASE) -> str:
    """The `CREATE EXTERNAL TABLE` of one lake table, with partition projection."""
    _check_identifier(database)
    columns = ",\n".join(f"  `{f.name}` {_HIVE_TYPES[f.type]}" for f in spec.columns)
    partitions = ", ".join(f"`{p}` string" for p in spec.partition_by)
    base = f"{location(lake)}/{spec.name}"
    template = "/".join([base, *(f"{p}=${{{p}}}" for p in spec.partition_by)])
    properties = {
        "projection.enabled": "true",
        **{k: v for p in spec.partition_by for k, v in _projection(p).items()},
        "storage.location.template": template,
    }
    props = ",\n".join(f"  '{k}' = '{v}'" for k, v in properties.items())
    return (
        f"CREATE EXTERNAL TABLE IF NOT EXISTS `{database}`.`{spec.name}` (\n{columns}\n)\n"
        f"PARTITIONED BY ({partitions})\n"
        "STORED AS PARQUET\n"
        f"LOCATION '{base}/'\n"
        f"TBLPROPERTIES (\n{props}\n)"
    )


def athena_ddl(lake: Lake, database: str = DEFAULT_DATABASE) -> list[str]:
    """The database, then every lake table: what `advisor lake ddl --athena` prints."""
    _check_identifier(database)
    return [
        f"CREATE DATABASE IF NOT EXISTS `{database}`",
        *(create_table_ddl(lake, spec, database) for spec in TABLES.values()),
    ]


def _projection(column: str) -> dict[str, str]:
    if column in ("date", "snapshot_date"):
        return {
            f"projection.{column}.type": "date",
            f"projection.{column}.format": "yyyy-MM-dd",
            f"projection.{column}.range": f"{FIRST_DAY},NOW",
            f"projection.{column}.interval": "1",
            f"projection.{column}.interval.unit": "DAYS",
        }
    if column == "region":
        return {f"projection.{column}.type": "enum", f"projection.{column}.values": ",".join(sorted(PRICES))}
    return {f"projection.{column}.type": "injected"}


def _check_identifier(name: str) -> None:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,254}", name):
        raise InputError(f"--database {name!r} is invalid: allowed lower-case letters, digits and _")
