#!/usr/bin/env python3
"""Reference values for pilot's validation statistics, computed by scipy (the test set-up's
independent check of the Swift code in Sources/Pilot/Validation).

Reads one JSON object on stdin:
  {"gamma": [[a, x], ...], "chi2_sf": [[x, k], ...], "kolmogorov": [lambda, ...],
   "histograms": [[[counts...], [counts...]], ...]}
and prints, in the same order:
  {"gamma": [{"p": gammainc, "q": gammaincc}], "chi2_sf": [...], "kolmogorov": [...],
   "histograms": [{"chi2": stat, "ndf": dof, "chi2_p": p, "ks_d": D, "ks_p": p, "ks_asymp_p": p}]}

The histogram chi-square is scipy.stats.chi2_contingency on the 2 x k table of the bins where
either histogram has entries (no continuity correction); the KS distance is scipy.stats.ks_2samp
on the histograms expanded to one sample per entry at the bin's index, and its p-value the
Kolmogorov distribution (scipy.stats.kstwobign) at sqrt(n1 n2 / (n1 + n2)) D. ks_asymp_p is
ks_2samp's own asymptotic p-value, for information only (scipy uses the finite-n distribution).
"""
import json
import sys

import numpy as np
from scipy import special, stats


def histogram(first, second):
    first = np.asarray(first, dtype=float)
    second = np.asarray(second, dtype=float)
    filled = (first + second) > 0
    table = np.vstack([first[filled], second[filled]])
    chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
    bins = np.arange(len(first))
    sample1 = np.repeat(bins, first.astype(int))
    sample2 = np.repeat(bins, second.astype(int))
    ks = stats.ks_2samp(sample1, sample2, method="asymp")
    n1, n2 = len(sample1), len(sample2)
    effective = n1 * n2 / (n1 + n2)
    return {
        "chi2": float(chi2), "ndf": int(dof), "chi2_p": float(p),
        "ks_d": float(ks.statistic), "ks_p": float(stats.kstwobign.sf(np.sqrt(effective) * ks.statistic)),
        "ks_asymp_p": float(ks.pvalue),
    }


def main():
    request = json.load(sys.stdin)
    answer = {
        "gamma": [{"p": float(special.gammainc(a, x)), "q": float(special.gammaincc(a, x))} for a, x in request.get("gamma", [])],
        "chi2_sf": [float(stats.chi2.sf(x, k)) for x, k in request.get("chi2_sf", [])],
        "kolmogorov": [float(special.kolmogorov(value)) for value in request.get("kolmogorov", [])],
        "histograms": [histogram(a, b) for a, b in request.get("histograms", [])],
    }
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
