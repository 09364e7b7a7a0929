"""Results and value: payoff metrics against their baselines, money and return on
investment."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    Max,
    Q,
    Sum,
)
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from courses.models import (
    PayoffMetric,
    ValueBasis,
)
from payoff.dashboard.aggregates import (
    grouped_medians,
    learners_count,
    learners_own,
    rounded,
    share,
)
from payoff.dashboard.scope import DashboardScope
from payoff.figures import Figure, localized_money, localized_number
from payoff.models import (
    LearningCost,
    MetricRollup,
)

# The groups of a result: every learner, and, with a holdout, the nudged and the holdout.
GROUP_LABELS = {
    "all": gettext_lazy("All"),
    "nudged": gettext_lazy("Nudged"),
    "holdout": gettext_lazy("Holdout"),
}


@dataclass
class ResultGroup:
    key: str
    label: str
    learners: int
    median_change: float | None
    median_percent_change: float | None
    with_target: int
    reached_target: int

    @property
    def target_share(self) -> float | None:
        return share(self.reached_target, self.with_target)


@dataclass
class MetricResult:
    micromastery_id: int
    micromastery_title: str
    metric_key: str
    name: str
    unit: str
    direction: str
    target_change: float | None
    without_baseline: int
    groups: list[ResultGroup]
    explanation: str

    @property
    def has_holdout(self) -> bool:
        return len(self.groups) > 1


@dataclass
class ValueLine:
    micromastery_id: int
    micromastery_title: str
    metric_name: str
    learners: int
    value: float
    explanation: str
    # "2 learners' reported hours x 48.00 EUR/h": what the money is made of, in a phrase.
    basis: str = ""


@dataclass
class RoiLine:
    micromastery_id: int
    micromastery_title: str
    value: float
    cost: float
    roi_percent: float
    explanation: str


def results_and_value(
    scope: DashboardScope,
) -> tuple[list[MetricResult], list[Figure], list[ValueLine], list[RoiLine]]:
    in_period = scope.filter(MetricRollup.objects.all()).filter(
        latest_at__gte=scope.start, latest_at__lte=scope.end
    )
    paired = in_period.filter(baseline_value__isnull=False)
    counts = {
        (row["micromastery_id"], row["metric_key"], row["holdout"]): row
        for row in in_period.values("micromastery_id", "metric_key", "holdout").annotate(
            checkins=Count("pk"),
            learners=Count("pk", filter=Q(baseline_value__isnull=False)),
            with_target=Count(
                "pk", filter=Q(baseline_value__isnull=False, reached_target__isnull=False)
            ),
            reached=Count("pk", filter=Q(reached_target=True)),
            value_sum=Sum("value_units", filter=Q(baseline_value__isnull=False)),
            valued=Count("pk", filter=Q(baseline_value__isnull=False, value_units__isnull=False)),
            newest_metric_id=Max("metric_id"),
        )
    }
    by_holdout = grouped_medians(
        paired, ["micromastery_id", "metric_key", "holdout"], ["change", "percent_change"]
    )
    overall = grouped_medians(
        paired, ["micromastery_id", "metric_key"], ["change", "percent_change"]
    )
    metrics = PayoffMetric.objects.in_bulk({row["newest_metric_id"] for row in counts.values()})
    costs = {
        cost.micromastery_id: cost
        for cost in LearningCost.objects.filter(micromastery__organization_id=scope.organization_id)
    }
    titles = {item.pk: item.title for item in scope.micromasteries}  # type: ignore[attr-defined]
    rate = scope.organization.hourly_cost_rate
    currency = scope.organization.currency

    grouped: dict[tuple[int, str], dict[bool, dict[str, Any]]] = defaultdict(dict)
    for (micromastery_id, key, holdout), row in counts.items():
        grouped[(micromastery_id, key)][holdout] = row
    results: list[MetricResult] = []
    value_lines: list[ValueLine] = []
    value_by_micromastery: dict[int, float] = defaultdict(float)
    for (micromastery_id, key), sides in sorted(
        grouped.items(), key=lambda item: (titles.get(item[0][0]) or "", item[0][1])
    ):
        metric = metrics[max(row["newest_metric_id"] for row in sides.values())]

        def group(
            key: str, rows: list[dict[str, Any]], medians: dict[str, float | None]
        ) -> ResultGroup:
            return ResultGroup(
                key=key,
                label=str(GROUP_LABELS[key]),
                learners=sum(row["learners"] for row in rows),
                median_change=rounded(medians.get("change")),
                median_percent_change=rounded(medians.get("percent_change"), 1),
                with_target=sum(row["with_target"] for row in rows),
                reached_target=sum(row["reached"] for row in rows),
            )

        groups = [group("all", list(sides.values()), overall.get((micromastery_id, key), {}))]
        if True in sides:
            for holdout, group_key in ((False, "nudged"), (True, "holdout")):
                side = sides.get(holdout)
                groups.append(
                    group(
                        group_key,
                        [side] if side else [],
                        by_holdout.get((micromastery_id, key, holdout), {}),
                    )
                )
        lower = metric.direction == "lower"
        names = {"metric": metric.name, "unit": metric.unit or _("units")}
        target = ""
        if metric.target_change is not None:
            names["target"] = localized_number(metric.target_change)
            target = (
                " "
                + (
                    _("Target: %(target)s %(unit)s lower.")
                    if lower
                    else _("Target: %(target)s %(unit)s higher.")
                )
                % names
            )
        without = sum(row["checkins"] - row["learners"] for row in sides.values())
        results.append(
            MetricResult(
                micromastery_id=micromastery_id,
                micromastery_title=titles.get(micromastery_id) or "",
                metric_key=key,
                name=metric.name,
                unit=metric.unit,
                direction=metric.direction,
                target_change=float(metric.target_change)
                if metric.target_change is not None
                else None,
                without_baseline=without,
                groups=groups,
                explanation=(
                    (
                        _(
                            "Latest check-in in the period minus the baseline, per learner, "
                            "counted positive when lower (the good direction for %(metric)s); "
                            "%% change is against the baseline."
                        )
                        if lower
                        else _(
                            "Latest check-in in the period minus the baseline, per learner, "
                            "counted positive when higher (the good direction for %(metric)s); "
                            "%% change is against the baseline."
                        )
                    )
                    % names
                    + target
                    + " "
                    + ngettext(
                        "%(count)d check-in without a baseline is left out.",
                        "%(count)d check-ins without a baseline are left out.",
                        without,
                    )
                    % {"count": without}
                ),
            )
        )
        units = sum(row["value_sum"] or 0 for row in sides.values())
        valued = sum(row["valued"] for row in sides.values())
        if metric.value_per_unit is None or not valued:
            continue
        amounts = {
            "learners": learners_count(valued),
            "learners_own": learners_own(valued),
            "unit": metric.unit or _("units"),
            "per_unit": localized_number(metric.value_per_unit, 4),
        }
        if metric.value_basis == ValueBasis.HOURS:
            money = float(Decimal(str(units)) * rate)
            amounts["hours"] = localized_number(units)
            amounts["rate"] = localized_money(rate, currency)
            how = (
                _(
                    "Sum over %(learners)s of the change in %(unit)s x %(per_unit)s hours per "
                    "unit = %(hours)s hours, x the hourly cost rate %(rate)s."
                )
                % amounts
            )
            basis = _("%(learners_own)s reported hours x %(rate)s/h") % amounts
        else:
            money = units
            amounts["per_unit_money"] = localized_money(metric.value_per_unit, currency)
            how = (
                _("Sum over %(learners)s of the change in %(unit)s x %(per_unit_money)s per unit.")
                % amounts
            )
            basis = (
                _("%(learners_own)s reported %(unit)s x %(per_unit_money)s per %(unit)s")
                if metric.unit
                else _("%(learners_own)s reported units x %(per_unit_money)s per unit")
            ) % amounts
        money = round(money, 2)
        value_by_micromastery[micromastery_id] += money
        value_lines.append(
            ValueLine(
                micromastery_id=micromastery_id,
                micromastery_title=titles.get(micromastery_id) or "",
                metric_name=metric.name,
                learners=valued,
                value=money,
                explanation=how,
                basis=basis,
            )
        )
    total = round(sum(line.value for line in value_lines), 2)
    value = [
        Figure(
            "value_total",
            _("Value of the change"),
            total if value_lines else None,
            _(
                "%(basis)s: the sum of the value lines below, each metric with a value per "
                "unit, over the learners with a baseline and a check-in in the period (a "
                "change for the worse counts against)."
            )
            % {"basis": value_basis(scope, value_lines)},
            currency,
            money=True,
        )
    ]
    roi_lines = []
    for micromastery_id, money in sorted(value_by_micromastery.items()):
        cost = costs.get(micromastery_id)
        if cost is None:
            continue
        amount = float(cost.amount)
        roi_lines.append(
            RoiLine(
                micromastery_id=micromastery_id,
                micromastery_title=titles.get(micromastery_id) or "",
                value=round(money, 2),
                cost=amount,
                roi_percent=round((money - amount) / amount * 100, 1),
                explanation=(
                    _("(Value %(value)s - L&D cost %(cost)s) / L&D cost x 100 (Phillips ROI).")
                    % {
                        "value": localized_money(money, currency),
                        "cost": localized_money(amount, currency),
                    }
                ),
            )
        )
    return results, value, value_lines, roi_lines


# A nudge "worked" when the learner practised within this long after it was sent.


def value_basis(scope: DashboardScope, value_lines: list[ValueLine]) -> str:
    """The period and what the money is made of, so that a value never stands alone."""
    period = ngettext(
        "In the last %(days)d day", "In the last %(days)d days", scope.period_days
    ) % {"days": scope.period_days}
    if not value_lines:
        return period
    if len(value_lines) == 1:
        return _("%(period)s, from %(basis)s") % {"period": period, "basis": value_lines[0].basis}
    return _("%(period)s, from %(count)d payoff metrics with a value per unit") % {
        "period": period,
        "count": len(value_lines),
    }
