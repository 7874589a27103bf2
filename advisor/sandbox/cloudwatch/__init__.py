"""The sandbox's CloudWatch metrics store, answering the real CloudWatch API.

Wire: botocore 1.44.8 lists CloudWatch as smithy-rpc-v2-cbor, json and query, and picks **json**
(awsJson1_0: POST /, `X-Amz-Target: GraniteServiceVersion20100801.<Op>`); a client whose model lists
only CBOR posts to /service/GraniteServiceVersion20100801/operation/<Op>. `handle` answers both, in the
format of the request, and un-gzips bodies (botocore compresses PutMetricData over 10 KB).

moto's CloudWatch keeps one Python object per datapoint: ~5,000 points/s on PutMetricData, seconds per
GetMetricData, no percentiles, no MaxDatapoints paging. A fleet of 100 services x 16 series x 14 days of
1-minute data (32 M points) needs columns instead, so this store keeps, per series and per minute, the
aggregates CloudWatch itself keeps (SampleCount, Sum, Minimum, Maximum) plus the sample distribution
needed for percentiles, all in numpy arrays, and aggregates any Period with `reduceat`.

What it copies from CloudWatch, because the collector must survive the real thing:
- GetMetricData: <= 500 queries, Id pattern, StartTime rounded down by age, StartTime inclusive and
  EndTime exclusive, Period multiples by data age (60 s < 15 d, 300 s < 63 d, 3600 s < 455 d) and
  retention, MaxDatapoints across queries with NextToken paging, ScanBy, PartialData, empty periods absent.
- GetMetricStatistics: <= 1,440 datapoints, <= 5 Statistics, <= 10 ExtendedStatistics.
- ListMetrics: one entry per series, 500 a page, RecentlyActive=PT3H, only series written in 2 weeks.
- PutMetricData: Value, Values+Counts, StatisticValues; percentiles only where CloudWatch has raw samples
  (a StatisticSet counts only with SampleCount 1 or Minimum == Maximum); none over negative values.
- Errors: HTTP 400 with the modeled `__type` and the `x-amzn-query-error` header, so botocore raises
  `client.exceptions.InvalidParameterValueException` and friends with CloudWatch's query error codes.

Deliberate differences: data is kept at 1-minute resolution (StorageResolution=1 is accepted and rolled
up to the minute, so Periods under 60 s return no data); the `AWS/` namespaces are writable because the
sandbox publishes App Runner's metrics itself; metric math supports only a bare reference to another id;
one unit per series (the last one written); accounts are not separated; new series are listed at once.
Percentiles are numpy's default ("linear") percentile of the expanded sample.

Read in this order: `limits` (CloudWatch's limits and retention tiers), `errors`, `validation` (request
checks), `storage` (the columnar Block and Series), `datums` (PutMetricData's datum rules and their bulk
twin), `store` (the operations). The wire format and NextToken cursors are `advisor.sandbox.wire`'s.
"""

from advisor.sandbox.cloudwatch.store import MetricsStore

__all__ = ["MetricsStore"]
