"""Traffic for the days ahead: daily and weekly seasonality, trend, bursts, with quantiles.

The model works on hourly means of demand (concurrent requests), in log space so that seasonality and
trend multiply: a ridge regression on hour-of-day, day-of-week (and hour-of-day on weekends) and a
linear trend, each switched on only when the history is long enough to tell it apart from the others.
Its quantiles come from its own errors on a backtest (fit without the last days, predict them), so the
band is as wide as the model has actually been wrong. Minute-level bursts ride on top of the hourly
level: their size is measured as the ratio of minute demand to its hour's mean.

The trend is never extrapolated further ahead than the history it was fitted on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sklearn.linear_model import Ridge

HOUR = pd.Timedelta(hours=1)
DAY = pd.Timedelta(days=1)


@dataclass(frozen=True)
class ForecastSettings:
    horizon_days: float = 7.0
    fit_days: float = 56.0  # the most recent history the model is fitted on
    quantiles: tuple[float, ...] = (0.5, 0.9, 0.99)
    weekly_min_days: float = 14.0  # two of each weekday before the weekly cycle is believed
    trend_min_days: float = 7.0  # a trend over less than a week is mostly the weekly cycle
    backtest_share: float = 0.5  # at most this share of the history is held back in a backtest
    backtest_origins: int = 20  # rolling origins, one day apart
    ridge_alpha: float = 1.0
    busy_quantile: float = 0.95  # the "busy level" of a period: this quantile of its hourly means
    burst_quantile: float = 0.999  # of minute demand / its hour's mean

    @property
    def horizon(self) -> pd.Timedelta:
        return pd.Timedelta(days=self.horizon_days)


@dataclass(frozen=True)
class Backtest:
    """How wrong the chosen model was on days of history it had not seen (rolling origins)."""

    origins: int
    hours: int  # held-back hours per origin
    mape: float | None  # mean absolute percentage error of hourly demand
    wape: float | None  # total absolute error / total demand
    busy_level_error: float | None  # mean |log(actual / forecast)| of the busy level
    coverage: dict[float, float]  # share of held-back hours at or below each quantile's forecast
    compared: dict[str, float]  # each candidate model's busy-level error: how the components were chosen


@dataclass(frozen=True)
class Forecast:
    hourly: pd.DataFrame  # horizon hours (UTC) x columns "q0.5", "q0.9", ...: mean concurrent demand
    history: pd.DataFrame  # fitted hours: "actual", "fitted"
    backtest: Backtest
    growth: dict[float, float]  # quantile -> busy level of the horizon / busy level of the recent history
    burst_factor: float  # a high quantile of minute demand over its hour's mean
    trend_per_week: float  # relative change per week (0.1 = +10% a week); 0 when not fitted
    components: tuple[str, ...]
    settings: ForecastSettings = field(default_factory=ForecastSettings, repr=False)

    def column(self, quantile: float) -> str:
        return _qname(self._nearest(quantile))

    def _nearest(self, quantile: float) -> float:
        return min(self.settings.quantiles, key=lambda q: abs(q - quantile))

    def growth_at(self, quantile: float) -> float:
        return self.growth[self._nearest(quantile)]

    def peak(self, quantile: float) -> float:
        """The busiest minute expected over the horizon at this quantile: hourly level x burst factor."""
        return float(self.hourly[self.column(quantile)].max() * self.burst_factor)

    def to_dict(self) -> dict[str, Any]:
        hourly = self.hourly.reset_index()
        hourly["timestamp"] = hourly["timestamp"].astype(str)
        bt = self.backtest
        return {
            "horizon_hours": len(self.hourly),
            "components": list(self.components),
            "trend_per_week": self.trend_per_week,
            "burst_factor": self.burst_factor,
            "growth": {_qname(q): v for q, v in self.growth.items()},
            "peak": {_qname(q): self.peak(q) for q in self.settings.quantiles},
            "backtest": {
                "origins": bt.origins,
                "hours": bt.hours,
                "mape": bt.mape,
                "wape": bt.wape,
                "busy_level_error": bt.busy_level_error,
                "coverage": {_qname(q): v for q, v in bt.coverage.items()},
                "compared": bt.compared,
            },
            "hourly": hourly.to_dict("records"),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Forecast:
        """The forecast as the evidence keeps it (`to_dict`): the fitted history is not kept (empty), the
        peaks are recomputed from the hourly quantiles, and the quantiles are those the peaks name."""
        hourly = pd.DataFrame.from_records(d["hourly"])
        if "timestamp" in hourly:
            hourly = hourly.assign(timestamp=pd.to_datetime(hourly["timestamp"], utc=True))
            hourly = hourly.set_index("timestamp")
        bt = d["backtest"]
        quantiles = tuple(_quantile(name) for name in d["peak"])
        return cls(
            hourly=hourly,
            history=pd.DataFrame(columns=["actual", "fitted"]),
            backtest=Backtest(
                origins=bt["origins"],
                hours=bt["hours"],
                mape=bt["mape"],
                wape=bt["wape"],
                busy_level_error=bt["busy_level_error"],
                coverage={_quantile(k): v for k, v in bt["coverage"].items()},
                compared=dict(bt["compared"]),
            ),
            growth={_quantile(k): v for k, v in d["growth"].items()},
            burst_factor=d["burst_factor"],
            trend_per_week=d["trend_per_week"],
            components=tuple(d["components"]),
            settings=ForecastSettings(horizon_days=d["horizon_hours"] / 24, quantiles=quantiles),
        )


def _qname(q: float) -> str:
    return f"q{q:g}"


def _quantile(name: str) -> float:
    return float(name.removeprefix("q"))


def hourly_means(demand: pd.Series) -> pd.Series:
    """Mean demand per UTC hour; hours the series does not cover are left out, not counted as zero."""
    grouped = demand.resample("1h")
    means = grouped.mean()
    return means[grouped.count() > 0]


def _design(hours: pd.Index, end: pd.Timestamp, components: tuple[str, ...], cap_days: float) -> np.ndarray:
    """Features of each hour (a DatetimeIndex): one-hot seasonality, the capped trend in weeks to the end."""
    index = cast(pd.DatetimeIndex, hours)
    hour = index.hour.to_numpy()
    cols = [np.eye(24)[hour]]
    if "weekly" in components:
        dow = index.day_of_week.to_numpy()
        weekend = (dow >= 5)[:, None]
        cols += [np.eye(7)[dow][:, 1:], np.eye(24)[hour] * weekend]
    if "trend" in components:
        days = ((index - end) / DAY).to_numpy()
        cols.append(np.clip(days, None, cap_days)[:, None] / 7.0)
    return np.hstack(cols)


@dataclass(frozen=True)
class _Fit:
    model: Ridge
    offset: float
    end: pd.Timestamp
    components: tuple[str, ...]
    cap_days: float

    def log_predict(self, hours: pd.Index) -> np.ndarray:
        predicted: np.ndarray = self.model.predict(_design(hours, self.end, self.components, self.cap_days))
        return predicted

    def predict(self, hours: pd.Index) -> np.ndarray:
        level: np.ndarray = np.maximum(np.exp(self.log_predict(hours)) - self.offset, 0.0)
        return level


def _span_days(hours: pd.Series) -> float:
    return float((hours.index[-1] - hours.index[0] + HOUR) / DAY)


def _candidates(span_days: float, settings: ForecastSettings) -> list[tuple[str, ...]]:
    """Models from simple to rich; a component joins only when the history can tell it apart."""
    out: list[tuple[str, ...]] = [("daily",)]
    if span_days >= settings.trend_min_days:
        out.append(("daily", "trend"))
    if span_days >= settings.weekly_min_days:
        out += [("daily", "weekly"), ("daily", "weekly", "trend")]
    return out


def _fit(hours: pd.Series, components: tuple[str, ...], settings: ForecastSettings, cap_days: float) -> _Fit:
    offset = 0.01 * float(hours.mean()) + 1e-6  # keeps log() finite for quiet hours
    end = hours.index[-1]
    X = _design(hours.index, end, components, cap_days)
    from sklearn.linear_model import Ridge  # loaded on the first fit, so the CLI starts without it

    model = Ridge(alpha=settings.ridge_alpha).fit(X, np.log(hours.to_numpy() + offset))
    return _Fit(model, offset, end, components, cap_days)


def _busy(values: np.ndarray, settings: ForecastSettings) -> float:
    return float(np.quantile(values, settings.busy_quantile))


@dataclass(frozen=True)
class _Errors:
    """Out-of-sample errors of one candidate over every rolling origin."""

    hourly_log: np.ndarray  # log(actual + offset) - log(forecast + offset), every held-back hour
    busy_log: np.ndarray  # log(busy actual / busy forecast), one per origin
    abs_pct: list[float]
    abs_err: float
    total: float


def _held_hours(hours: pd.Series, settings: ForecastSettings) -> int:
    return int(min(np.ceil(settings.horizon / HOUR), np.floor(len(hours) * settings.backtest_share)))


def _origins(hours: pd.Series, held: int, settings: ForecastSettings) -> list[int]:
    """Where each backtest's held-back period starts: one day apart, back from the end of history."""
    last = len(hours) - held
    first = max(int(np.ceil(len(hours) * (1 - settings.backtest_share))), 24)
    return list(range(last, first - 1, -24))[: settings.backtest_origins]


def _backtest_errors(
    hours: pd.Series, components: tuple[str, ...], settings: ForecastSettings
) -> _Errors | None:
    held = _held_hours(hours, settings)
    origins = _origins(hours, held, settings) if held >= 6 else []
    hourly, busy, pct, abs_err, total = [], [], [], 0.0, 0.0
    for start in origins:
        train, test = hours.iloc[:start], hours.iloc[start : start + held]
        if components not in _candidates(_span_days(train), settings):
            continue  # too little history before this origin to fit these components
        fit = _fit(train, components, settings, cap_days=held / 24)
        predicted, actual = fit.predict(test.index), test.to_numpy()
        hourly.append(np.log(actual + fit.offset) - fit.log_predict(test.index))
        busy.append(
            np.log((_busy(actual, settings) + fit.offset) / (_busy(predicted, settings) + fit.offset))
        )
        on = actual > 0
        pct += list(np.abs(predicted[on] - actual[on]) / actual[on])
        abs_err += float(np.abs(predicted - actual).sum())
        total += float(actual.sum())
    if not busy:
        return None
    return _Errors(np.concatenate(hourly), np.asarray(busy), pct, abs_err, total)


def _choose(
    hours: pd.Series, settings: ForecastSettings
) -> tuple[tuple[str, ...], _Errors | None, dict[str, float]]:
    """The candidate with the smallest out-of-sample busy-level error (the simpler one on a tie)."""
    scored = {}
    for components in _candidates(_span_days(hours), settings):
        errors = _backtest_errors(hours, components, settings)
        if errors is not None:
            scored[components] = errors
    if not scored:
        return ("daily",), None, {}
    score = {c: float(np.mean(np.abs(e.busy_log))) for c, e in scored.items()}
    best = min(score, key=lambda c: (round(score[c], 3), len(c)))
    return best, scored[best], {"+".join(c): v for c, v in score.items()}


def _future_hours(last: pd.Timestamp, horizon: pd.Timedelta) -> pd.DatetimeIndex:
    count = max(1, int(np.ceil(horizon / HOUR)))
    return pd.date_range(last + HOUR, periods=count, freq="1h", name="timestamp")


def _burst_factor(demand: pd.Series, hours: pd.Series, quantile: float) -> float:
    level = hours.reindex(cast(pd.DatetimeIndex, demand.index).floor("1h")).to_numpy()
    ratio = np.divide(demand.to_numpy(), level, out=np.ones(len(demand)), where=level > 0)
    return float(max(1.0, np.quantile(ratio, quantile)))


def _summary(
    errors: _Errors | None, compared: dict[str, float], held: int, settings: ForecastSettings
) -> Backtest:
    if errors is None:
        return Backtest(0, 0, None, None, None, {}, compared)
    h = errors.hourly_log
    return Backtest(
        origins=len(errors.busy_log),
        hours=held,
        mape=float(np.mean(errors.abs_pct)) if errors.abs_pct else None,
        wape=errors.abs_err / errors.total if errors.total > 0 else None,
        busy_level_error=float(np.mean(np.abs(errors.busy_log))),
        coverage={q: float(np.mean(h <= np.quantile(h, q))) for q in settings.quantiles},
        compared=compared,
    )


def forecast(
    demand: pd.Series, settings: ForecastSettings = ForecastSettings(), recent_days: float = 14.0
) -> Forecast:
    """Hourly demand quantiles for `settings.horizon` after the end of `demand` (per-minute, UTC index).

    `growth` compares the horizon's busy level with that of the last `recent_days` of history, so the
    optimizer can replay that history at the level the forecast expects.
    """
    if len(demand) == 0:
        raise ValueError("no demand to forecast from")
    window = demand[demand.index >= demand.index[-1] - pd.Timedelta(days=settings.fit_days)]
    hours = hourly_means(window)
    components, errors, compared = _choose(hours, settings)
    held = _held_hours(hours, settings)
    fit = _fit(hours, components, settings, cap_days=max(held, 1) / 24)
    future = _future_hours(hours.index[-1], settings.horizon)
    center = fit.log_predict(future)
    in_sample = np.log(hours.to_numpy() + fit.offset) - fit.log_predict(hours.index)
    hourly_err = errors.hourly_log if errors is not None and errors.hourly_log.size >= 24 else in_sample
    busy_err = errors.busy_log if errors is not None else np.array([0.0])
    hourly = pd.DataFrame(
        {
            _qname(q): np.maximum(np.exp(center + np.quantile(hourly_err, q)) - fit.offset, 0.0)
            for q in settings.quantiles
        },
        index=future,
    )
    recent = hours[hours.index >= hours.index[-1] - pd.Timedelta(days=recent_days)].to_numpy()
    base = _busy(fit.predict(future), settings) / max(_busy(recent, settings), 1e-12)
    growth = {q: float(base * np.exp(np.quantile(busy_err, q))) for q in settings.quantiles}
    trend = float(np.expm1(fit.model.coef_[-1])) if "trend" in components else 0.0
    history = pd.DataFrame({"actual": hours, "fitted": fit.predict(hours.index)})
    return Forecast(
        hourly=hourly,
        history=history,
        backtest=_summary(errors, compared, held, settings),
        growth=growth,
        burst_factor=_burst_factor(window, hours, settings.burst_quantile),
        trend_per_week=trend,
        components=components,
        settings=settings,
    )
