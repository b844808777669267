"""Read SSB's national assumptions off table 14746 by fitting planmodel's engine to it.

SSB's assumption tables are not shipped; what is shipped is SSB's projected population by KOSTRA
age group (data/projections/ssb_14746_*.csv). For each alternative (MMMM, LLML, HHMH) this
tool finds the TFR path, the e0 path by sex and Norway's net immigration path that make
planmodel's projection from 1.1.2026 reproduce SSB's series as closely as possible (least
squares on log deviations, every KOSTRA group and year 2027-2050). The result is pasted into
``NATIONAL_ASSUMPTIONS`` in planmodel/demography.py. Needs scipy (not a planmodel dependency).

    python tools/calibrate_national.py
"""

import numpy as np
from scipy.optimize import least_squares

from planmodel.inputs import data
from planmodel.core.ages import to_kostra_groups
from planmodel.inputs.demographic import Scenario
from planmodel.population.demography import project_kommune

TFR_KNOTS = (2026, 2030, 2035, 2040, 2050)
MIG_KNOTS = (2026, 2030, 2040, 2050)
#: Assumption: the female-male gap in e0 narrows from 3.2 years (HMD 2023) to 2.0 in 2050, as it
#: narrowed from 5.4 (2000) to 3.2 (2023). SSB's series are not split by sex in the shipped file,
#: so the gap cannot be fitted.
E0_GAP_2050 = 2.0


def unpack(x):
    tfr = dict(zip(TFR_KNOTS, x[0:5]))
    e0f = {2023: 84.6, 2050: x[5]}
    e0m = {2023: 81.4, 2050: x[5] - E0_GAP_2050}
    mig = dict(zip(MIG_KNOTS, x[6:10] * 1000))
    return tfr, e0m, e0f, mig


def residuals(x, alt):
    tfr, e0m, e0f, mig = unpack(x)
    sc = Scenario("fit", "fit", national=alt, tfr=tfr, e0_male=e0m, e0_female=e0f, migration_level=mig)
    pop = project_kommune("0000", sc)
    g = to_kostra_groups(pop.sum("sex")).sel(year=slice(2027, 2050))
    ssb = data.ssb_projection("0", alt).sel(year=slice(2027, 2050))
    return np.log(g / ssb).values.ravel()


def main():
    for alt in ("MMMM", "LLML", "HHMH"):
        x0 = np.array([1.45, 1.5, 1.55, 1.58, 1.6, 87.7, 20, 17, 17, 17], float)
        fit = least_squares(residuals, x0, args=(alt,), diff_step=1e-3,
                            bounds=([1.0] * 5 + [83] + [-20] * 4, [2.2] * 5 + [97] + [80] * 4))
        tfr, e0m, e0f, mig = unpack(fit.x)
        r = residuals(fit.x, alt)
        print(alt, "max |dev| %", round(100 * np.abs(np.expm1(r)).max(), 2))
        print(f'  tfr={ {k: round(float(v), 3) for k, v in tfr.items()} }')
        print(f'  e0_male={ {k: round(float(v), 2) for k, v in e0m.items()} }, e0_female={ {k: round(float(v), 2) for k, v in e0f.items()} }')
        dev = np.expm1(r).reshape(24, 10) * 100
        print("  dev % 2030/2040/2050 by group:", dev[[3, 13, 23]].round(1).tolist())
        print(f'  net_migration={ {k: int(round(float(v), -2)) for k, v in mig.items()} }')


if __name__ == "__main__":
    main()
