"""Runs logged without validation: the diagnosis of the training curves alone.

Every labelled run of the chosen splits is diagnosed with its validation series (and the
learning rate, the context and the batch losses) removed, as a ``model.fit`` without
``validation_data`` logs it. Printed: top-1 on the curve-visible faults (a healthy verdict
counts as a miss), the share of them called healthy, and the share of healthy-labelled
runs flagged. ``--code`` diagnoses with the curvedoc package of another checkout (its
root), for a before/after on the same runs.

Usage::

    python benchmarks/train_only.py                      # the examined splits
    python benchmarks/train_only.py --split heldout8     # one split
    python benchmarks/train_only.py --code ../old        # another checkout
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent


def diagnose_training_curves(path: str) -> tuple[str | None, bool]:
    """Top cause (None when healthy or too short) and healthy, of the training curves alone."""
    from fit_weights import strip_validation

    import curvedoc
    from curvedoc.diagnosis import diagnose

    r = diagnose(strip_validation(curvedoc.load(path, sidecar=False)), curves=False)
    return (r.causes[0].category if r.causes else None), r.healthy


def main(argv: list[str] | None = None) -> int:
    """Print the train-only numbers (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="examined", help="a corpus split, or 'examined'")
    ap.add_argument("--code", type=Path, default=HERE.parent)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(args.code.resolve()))
    import curvedoc  # noqa: F401  (the chosen checkout's, before benchmarks/ adds its own)

    sys.path.insert(1, str(HERE))
    from accuracy import CORPUS2, is_curve_visible, read_manifest
    from fit_weights import EXAMINED_SPLITS

    splits = set(EXAMINED_SPLITS) if args.split == "examined" else {args.split}
    rows = [r for r in read_manifest(CORPUS2) if r.get("split") in splits and r.get("label")]
    rows = [r for r in rows if r["label"] == "healthy" or is_curve_visible(r)]
    paths = [str(CORPUS2 / "runs" / f"{r['run_id']}.json.gz") for r in rows]
    with ProcessPoolExecutor(max_workers=args.jobs) as ex:
        res = list(ex.map(diagnose_training_curves, paths, chunksize=16))
    faults = [(r, x) for r, x in zip(rows, res, strict=True) if r["label"] != "healthy"]
    healthy = [x for r, x in zip(rows, res, strict=True) if r["label"] == "healthy"]
    top1 = sum(x[0] == r["label"] for r, x in faults) / max(len(faults), 1)
    called = sum(x[1] for _, x in faults) / max(len(faults), 1)
    flagged = sum(not x[1] for x in healthy) / max(len(healthy), 1)
    print(
        f"{args.code.resolve()}: {args.split}, training curves alone: {len(faults)} "
        f"curve-visible faults, top-1 {top1:.1%}, called healthy {called:.1%}; "
        f"{len(healthy)} healthy-labelled runs, flagged {flagged:.1%}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
