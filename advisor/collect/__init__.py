"""Collection: App Runner inventory, CloudWatch metrics, logs and operations, from AWS into the lake.

Incremental (per-service and per-log-group marks in the lake's state store), resumable (atomic writes,
marks moved after data lands) and safe to repeat (the lake dedupes by key). Talks to AWS only through
advisor.aws; `advisor.collect.run.collect` is the entry point.
"""
