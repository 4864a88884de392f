# A toy "physics" payload for the validation example: generates EVENTS events from SEED with the
# Park-Miller generator (integer arithmetic exact in doubles, so the same stream on every IEEE-754
# machine), then a Z-like peak (a sum of 12 uniforms, nearly Gaussian) on a flat background.
# Debian's busybox-static awk has no math library (no log, sqrt, cos or ^), so only + - * / and %
# are used, and a square root by Newton's method. Writes, in the work directory:
#   summary.txt  event counts (compared exactly)
#   moments.txt  mean, rms, min, max of each variable (compared numerically)
#   mass.hist    40 bins of the invariant mass, "low high count" (chi-square and KS)
#   pt.hist      30 bins of a falling "transverse momentum" (60 u1 u2), "centre count" (KS)
# Run as: awk -f generate.awk (SEED and EVENTS from the environment).
function uniform() {
    state = (16807 * state) % 2147483647
    return state / 2147483647
}
function gauss(    k, total) {
    total = -6
    for (k = 0; k < 12; k++) total += uniform()
    return total
}
function root(x,    r, k) {
    if (x <= 0) return 0
    r = x > 1 ? x : 1
    for (k = 0; k < 200; k++) r = (r + x / r) / 2
    return r
}
function fill(name, value) {
    n[name]++; sum[name] += value; sum2[name] += value * value
    if (!(name in lo) || value < lo[name]) lo[name] = value
    if (!(name in hi) || value > hi[name]) hi[name] = value
}
BEGIN {
    seed = ENVIRON["SEED"] + 0; events = ENVIRON["EVENTS"] + 0
    if (seed <= 0) seed = 12345
    if (events <= 0) events = 20000
    state = seed
    for (i = 0; i < 40; i++) mass[i] = 0
    for (i = 0; i < 30; i++) pt[i] = 0
    signal = 0
    for (e = 0; e < events; e++) {
        if (uniform() < 0.7) { m = 91.19 + 2.5 * gauss(); signal++ } else { m = 70 + 40 * uniform() }
        p = 60 * uniform() * uniform()
        fill("mass", m); fill("pt", p)
        bin = int(m - 70); if (m >= 70 && bin < 40) mass[bin]++
        bin = int(p / 2); if (bin < 30) pt[bin]++
    }
    printf "events %d\nseed %d\nsignal %d\nbackground %d\n", events, seed, signal, events - signal > "summary.txt"
    printf "# variable mean rms min max\n" > "moments.txt"
    split("mass pt", names, " ")
    for (k = 1; k <= 2; k++) {
        v = names[k]; mean = sum[v] / n[v]
        printf "%s %.12g %.12g %.12g %.12g\n", v, mean, root(sum2[v] / n[v] - mean * mean), lo[v], hi[v] > "moments.txt"
    }
    printf "# mass: low high count\n" > "mass.hist"
    for (i = 0; i < 40; i++) printf "%d %d %d\n", 70 + i, 71 + i, mass[i] > "mass.hist"
    printf "# pt: centre count\n" > "pt.hist"
    for (i = 0; i < 30; i++) printf "%d %d\n", 2 * i + 1, pt[i] > "pt.hist"
}
