"""The Parquet lake: schemas, an atomic idempotent writer, readers (pandas, DuckDB), state, retention.

Import the modules themselves (`from advisor.lake.reader import wide_metrics`): this package imports
nothing, so reading the lake never drags the writer in. Never imports boto3: the lake knows nothing of
where rows come from.
"""
