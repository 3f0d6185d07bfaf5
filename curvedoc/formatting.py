"""How numbers read in curvedoc's words: one formatter for messages and every renderer.

Below both the data that carries sentences (the comparison's verdicts) and the renderers,
so neither has to import the other to print a number the same way.
"""

from __future__ import annotations

import math
from typing import Any


def fmt_number(v: Any) -> str:
    """Format a number for people: 4 significant digits, scientific when very large or small.

    ``None`` and NaN print as an en dash; booleans as yes/no.

    >>> fmt_number(0.123456), fmt_number(1051470.0), fmt_number(None), fmt_number(3)
    ('0.1235', '1.05e+06', '–', '3')
    """
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}" if abs(v) >= 10_000 else str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "–"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        a = abs(v)
        if a != 0 and (a >= 1e5 or a < 1e-3):
            return f"{v:.3g}"
        return f"{v:.4g}"
    if isinstance(v, (list, tuple)):
        return ", ".join(fmt_number(x) for x in v)
    return str(v)


def fmt_jitter(v: Any, log_scale: bool) -> str:
    """Format the jitter as people read it: ±% around the trend on a log scale, else ± units.

    >>> fmt_jitter(0.0488, True), fmt_jitter(0.0003, True), fmt_jitter(0.012, False)
    ('±5.0%', '±0.03%', '±0.012')
    """
    if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
        return "–"
    if not log_scale:
        return f"±{v:.3g}"
    pct = math.expm1(v) * 100
    return f"±{pct:.2f}%" if abs(pct) < 1 else f"±{pct:.1f}%"
