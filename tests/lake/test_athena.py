"""`advisor lake ddl --athena`: the statements, and the same statements run by Spark SQL (Hive DDL) over a
collected lake, counting what DuckDB counts."""

from __future__ import annotations

import shutil

import pytest

from advisor.lake import duck
from advisor.lake.athena import athena_ddl, create_table_ddl
from advisor.lake.layout import Lake
from advisor.lake.schema import COSTS, METRICS, TABLES
from tests.conftest import cli, refused

S3_LAKE = Lake.of("s3://advisor-lake/fleet")


def test_the_metrics_table_is_parquet_over_its_hive_partitions_with_projection():
    ddl = create_table_ddl(S3_LAKE, METRICS)
    assert ddl.startswith("CREATE EXTERNAL TABLE IF NOT EXISTS `apprunner_advisor`.`metrics` (\n")
    assert "  `period_s` int,\n  `timestamp` timestamp,\n  `value` double,\n  `unit` string\n)\n" in ddl
    assert "PARTITIONED BY (`region` string, `service_id` string, `date` string)\nSTORED AS PARQUET\n" in ddl
    assert "LOCATION 's3://advisor-lake/fleet/metrics/'\n" in ddl
    template = "s3://advisor-lake/fleet/metrics/region=${region}/service_id=${service_id}/date=${date}"
    assert f"'storage.location.template' = '{template}'" in ddl
    assert "'projection.service_id.type' = 'injected'" in ddl
    assert (
        "'projection.date.range' = '2020-01-01,NOW'" in ddl
        and "'projection.date.format' = 'yyyy-MM-dd'" in ddl
    )
    assert "'projection.region.type' = 'enum'" in ddl and ",us-east-1,us-east-2," in ddl


def test_costs_project_dates_only_and_every_table_has_a_statement():
    ddl = create_table_ddl(S3_LAKE, COSTS)
    assert "PARTITIONED BY (`date` string)" in ddl and "projection.region" not in ddl
    assert "  `estimated` boolean,\n" in ddl
    statements = athena_ddl(S3_LAKE, "fleet_lake")
    assert statements[0] == "CREATE DATABASE IF NOT EXISTS `fleet_lake`"
    assert [s.split("`")[3] for s in statements[1:]] == list(TABLES)


def test_the_cli_prints_them_and_refuses_a_bad_database(monkeypatch, capsys):
    code, out, err = cli(
        ["lake", "ddl", "--athena", "--lake", "s3://advisor-lake/fleet"], monkeypatch, capsys
    )
    assert code == 0, err
    assert (
        out.count("CREATE EXTERNAL TABLE") == len(TABLES)
        and "LOCATION 's3://advisor-lake/fleet/costs/'" in out
    )
    assert "--database" in refused(["lake", "ddl", "--athena", "--database", "Bad-Name"], monkeypatch, capsys)
    assert "--athena" in refused(["lake", "ddl"], monkeypatch, capsys)


@pytest.mark.slow
def test_spark_sql_runs_the_ddl_and_counts_what_duckdb_counts(sandbox_lake, tmp_path, monkeypatch):
    """Spark SQL (local mode, Hive catalog in Derby) speaks the Hive DDL Athena does; it ignores the
    projection properties, so `MSCK REPAIR TABLE` lists the partitions instead."""
    if shutil.which("java") is None:
        pytest.skip("no java on this machine: Spark SQL cannot run")
    pyspark_sql = pytest.importorskip("pyspark.sql")
    _, lake = sandbox_lake
    monkeypatch.chdir(tmp_path)  # Derby writes derby.log where the JVM starts
    spark = (
        pyspark_sql.SparkSession.builder.master("local[1]")
        .appName("advisor-ddl")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.warehouse.dir", str(tmp_path / "warehouse"))
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={tmp_path}/meta;create=true",
        )
        .enableHiveSupport()
        .getOrCreate()
    )
    try:
        for statement in athena_ddl(Lake.of(lake)):
            spark.sql(statement)
        connection = duck.connect(lake)
        for name, spec in TABLES.items():
            spark.sql(f"MSCK REPAIR TABLE apprunner_advisor.{name}")
            time = spec.time_column
            spark_row = spark.sql(
                f"SELECT count(*), unix_micros(min(`{time}`)), unix_micros(max(`{time}`)) "
                f"FROM apprunner_advisor.{name}"
            ).collect()[0]
            duck_row = connection.execute(
                f'SELECT count(*), epoch_us(min("{time}")), epoch_us(max("{time}")) FROM {name}'
            )
            assert tuple(spark_row) == duck_row.fetchone(), name
        for table, column in (("costs", "cost_usd"), ("recommendations", "monthly_savings")):
            query = f"SELECT `date`, round(sum({column}), 6) FROM {{}}{table} GROUP BY `date` ORDER BY `date`"
            spark_rows = [tuple(r) for r in spark.sql(query.format("apprunner_advisor.")).collect()]
            assert spark_rows == connection.execute(query.replace("`", '"').format("")).fetchall(), table
        assert spark.sql("SELECT count(*) FROM apprunner_advisor.metrics").collect()[0][0] > 0
    finally:
        spark.stop()
