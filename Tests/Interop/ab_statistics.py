"""Independent A/B statistics for VariantStatisticsTests, from scipy (never imported by Siaran).

One JSON request per line on stdin: {"successes": [..], "trials": [..]}; one reply per line:
the Wilson 95% interval of each group (scipy.stats.binomtest(...).proportion_ci(method="wilson")),
the best group (highest rate, first of equals), each other group's two-sided p-value against the best
(chi-squared test of the 2x2 table without continuity correction, scipy.stats.chi2_contingency) and
Holm's step-down adjustment of those p-values.
"""
import json
import sys

from scipy import stats


def p_value(a1, n1, a2, n2):
    table = [[a1, n1 - a1], [a2, n2 - a2]]
    # A column of zeros (nobody, or everybody, succeeded in both) leaves nothing to test.
    if a1 + a2 == 0 or a1 + a2 == n1 + n2:
        return 1.0
    return float(stats.chi2_contingency(table, correction=False).pvalue)


def holm(ps):
    m = len(ps)
    order = sorted(range(m), key=lambda i: (ps[i], i))
    adjusted = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * ps[i]))
        adjusted[i] = running
    return adjusted


def answer(request):
    successes, trials = request["successes"], request["trials"]
    intervals = []
    for a, n in zip(successes, trials):
        ci = stats.binomtest(a, n).proportion_ci(confidence_level=0.95, method="wilson")
        intervals.append([float(ci.low), float(ci.high)])
    rates = [a / n for a, n in zip(successes, trials)]
    best = max(range(len(rates)), key=lambda i: (rates[i], -i))
    others = [i for i in range(len(rates)) if i != best]
    raw = [p_value(successes[best], trials[best], successes[i], trials[i]) for i in others]
    corrected = holm(raw)
    p_values = [None] * len(rates)
    raw_values = [None] * len(rates)
    for k, i in enumerate(others):
        p_values[i] = corrected[k]
        raw_values[i] = raw[k]
    return {"intervals": intervals, "best": best, "p_values": p_values, "raw_p_values": raw_values}


for line in sys.stdin:
    try:
        reply = answer(json.loads(line))
    except Exception as error:  # the test reports it
        reply = {"error": repr(error)}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
