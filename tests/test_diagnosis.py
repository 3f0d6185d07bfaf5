"""The diagnosis on real Keras runs: every rule fires where it should and not where it should not.

Every file used here comes from a real training run (``fixtures/make_fixtures.py`` and
``benchmarks/make_corpus.py`` regenerate them). The corpus-wide accuracy is measured by
``benchmarks/accuracy.py``; these tests pin the behaviour on named runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import curvedoc
from curvedoc.diagnosis import diagnose, diagnose_with_features
from curvedoc.history import History, SourceInfo
from curvedoc.report import Finding
from curvedoc.rules.registry import all_rules

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "fixtures"
RUNS = FIX / "corpus" / "runs"
RUNS2 = FIX / "corpus2" / "runs"

# rule -> (a real run where it fires, a real run where it does not)
RULE_EXAMPLES: dict[str, tuple[Path, Path]] = {
    "CD101": (FIX / "unscaled_lstm_prices.curvedoc.json", FIX / "healthy_lstm_sine.curvedoc.json"),
    "CD102": (FIX / "unscaled_lstm_prices.curvedoc.json", FIX / "healthy_lstm_sine.json"),
    "CD103": (RUNS / "co2__gru__tiny_data__s1.json.gz", FIX / "healthy_lstm_sine.curvedoc.json"),
    "CD104": (FIX / "outliers_lstm.json", FIX / "healthy_lstm_sine.json"),
    "CD105": (
        RUNS / "activity__simplernn__lr_high__s1.json.gz",
        FIX / "healthy_gru_classify.json",
    ),
    "CD201": (FIX / "small_val_lstm.json", FIX / "healthy_gru_classify.json"),
    "CD202": (
        RUNS / "breast_cancer__gru__oversized__s1.json.gz",
        FIX / "healthy_gru_classify.json",
    ),
    "CD203": (FIX / "overfit_lstm_big.curvedoc.json", FIX / "healthy_gru_classify.curvedoc.json"),
    "CD204": (FIX / "overfit_lstm_big.curvedoc.json", FIX / "healthy_lstm_sine.curvedoc.json"),
    "CD205": (
        RUNS2 / "sine__lstm__bad_output__s1.json.gz",
        FIX / "healthy_lstm_sine.curvedoc.json",
    ),
    "CD206": (
        RUNS2 / "price__mlp__act_sigmoid__s1.json.gz",
        RUNS2 / "price__mlp__healthy_ref__s1.json.gz",
    ),
    "CD207": (RUNS2 / "sine__lstm__cap_tiny__s1.json.gz", FIX / "healthy_lstm_sine.curvedoc.json"),
    "CD208": (FIX / "lr_high_lstm.json", FIX / "healthy_lstm_sine.json"),
    "CD209": (
        RUNS2 / "glyphs__cnn2d_gap__n_train_100__s21.json.gz",
        FIX / "healthy_lstm_sine.json",
    ),
    "CD301": (FIX / "diverged_lstm.json", FIX / "lr_high_lstm.json"),
    "CD302": (FIX / "lr_high_lstm.json", FIX / "healthy_lstm_sine.json"),
    "CD303": (FIX / "lr_high_lstm.curvedoc.json", FIX / "healthy_lstm_sine.curvedoc.json"),
    "CD304": (FIX / "lr_low_gru.json", FIX / "healthy_lstm_sine.json"),
    "CD305": (FIX / "lr_low_gru.curvedoc.json", FIX / "healthy_lstm_sine.curvedoc.json"),
    "CD306": (FIX / "tiny_batch_lstm.curvedoc.json", FIX / "healthy_lstm_sine.curvedoc.json"),
    "CD307": (RUNS / "sine__gru__batch_full__s1.json.gz", FIX / "healthy_lstm_sine.curvedoc.json"),
    "CD308": (FIX / "healthy_lstm_sine.json", FIX / "diverged_lstm.json"),
    "CD309": (FIX / "lr_low_gru.json", FIX / "healthy_gru_classify.json"),
    "CD310": (FIX / "lr_high_lstm.json", FIX / "healthy_lstm_sine.json"),
    "CD311": (RUNS2 / "sine__lstm__few_epochs__s1.json.gz", FIX / "healthy_lstm_sine.json"),
    "CD312": (RUNS / "activity__bilstm__lr_high__s2.json.gz", FIX / "healthy_lstm_sine.json"),
    "CD313": (RUNS / "activity__bilstm__lr_high__s3.json.gz", FIX / "healthy_gru_classify.json"),
    "CD314": (RUNS2 / "sine__cnn1d__lr_x100__s1.json.gz", FIX / "healthy_lstm_sine.json"),
    "CD315": (RUNS2 / "sine__cnn1d__lr_x100__s1.json.gz", FIX / "healthy_lstm_sine.json"),
    "CD317": (RUNS2 / "activity__mlp__lr_x100__s1.json.gz", FIX / "healthy_gru_classify.json"),
    "CD316": (RUNS2 / "waveforms__gru__lr_x30__s1.json.gz", FIX / "healthy_gru_classify.json"),
    # a TabNet-like MLP on tree biomass with inputs 30x their scale: after 36 settled epochs
    # its validation loss climbs 0.84 -> 1.08 -> 1.37 -> 2.33 -> 10.2 in the last epochs
    "CD318": (
        RUNS2 / "tree_biomass__tabnet_mlp__x_scale_30__s101.json.gz",
        FIX / "healthy_gru_classify.json",
    ),
    "CD401": (FIX / "small_val_lstm.curvedoc.json", FIX / "healthy_lstm_sine.curvedoc.json"),
    "CD402": (FIX / "outliers_lstm.curvedoc.json", FIX / "healthy_lstm_sine.curvedoc.json"),
    # an MLP on digits with 25 % of the labels wrong in both splits: a floor, then a climb
    "CD403": (
        RUNS2 / "digits_img__mlp__label_noise_25_both__s1.json.gz",
        FIX / "healthy_gru_classify.json",
    ),
    "CD404": (RUNS2 / "sine__lstm__outliers_12__s1.json.gz", FIX / "healthy_lstm_sine.json"),
    "CD405": (
        RUNS2 / "price__mlp__spikes__s1.json.gz",
        RUNS2 / "price__mlp__healthy_ref__s1.json.gz",
    ),
    # 12 % outlier targets in the training split: the training loss falls in a straight line
    # for 30 epochs while the validation loss climbs
    "CD406": (
        RUNS2 / "price__mlp__outliers_12__s1.json.gz",
        RUNS2 / "price__mlp__healthy_ref__s1.json.gz",
    ),
}


def _fired(path: Path, code: str) -> list[Finding]:
    report = diagnose(curvedoc.load(path))
    assert not report.errors, report.errors
    return [f for f in report.findings if f.code == code]


def test_every_rule_has_a_real_triggering_and_a_clean_example() -> None:
    codes = {r.code for r in all_rules()}
    assert codes == set(RULE_EXAMPLES), "add a triggering and a clean real run for every rule"
    for trigger, clean in RULE_EXAMPLES.values():
        assert trigger.exists() and clean.exists()


@pytest.mark.parametrize("code", sorted(RULE_EXAMPLES))
def test_rule_fires_on_its_example(code: str) -> None:
    rule = next(r for r in all_rules() if r.code == code)
    trigger, clean = RULE_EXAMPLES[code]
    hits = _fired(trigger, code)
    assert hits, f"{code} did not fire on {trigger.name}"
    if rule.severity != "info":
        assert any(f.severity == rule.severity for f in hits), [f.severity for f in hits]
    for f in hits:
        assert f.message and f.evidence, "a finding carries its message and evidence"
        assert f.url.endswith(f"#{code.lower()}-{rule.name}")
        if f.severity != "info":
            assert 0 < f.strength <= 1
    assert not _fired(clean, code), f"{code} fired on the clean run {clean.name}"


TOP_CAUSE = [
    # (run, expected top cause or None for healthy); recorder files carry the context
    (FIX / "healthy_lstm_sine.json", None),
    (FIX / "healthy_lstm_sine.curvedoc.json", None),
    (FIX / "healthy_gru_classify.json", None),
    (FIX / "healthy_gru_classify.curvedoc.json", None),
    (FIX / "val_every3_lstm.json", None),
    (FIX / "resumed_append.csv", None),
    (FIX / "unscaled_lstm_prices.json", "unscaled_data"),
    (FIX / "unscaled_lstm_prices.curvedoc.json", "unscaled_data"),
    (FIX / "overfit_lstm_big.json", "architecture"),
    (FIX / "overfit_lstm_big.curvedoc.json", "architecture"),
    (FIX / "lr_high_lstm.json", "hyperparameters"),
    (FIX / "lr_high_lstm.curvedoc.json", "hyperparameters"),
    (FIX / "lr_low_gru.json", "hyperparameters"),
    (FIX / "lr_low_gru.curvedoc.json", "hyperparameters"),
    # batch_size 2 whose curves are smooth (loss ±0.3 %) trained fine: noted, not a problem
    # (in the calibration corpus most batch-2 runs whose curves stay smooth were not hurt)
    (FIX / "tiny_batch_lstm.curvedoc.json", None),
    (FIX / "diverged_lstm.json", "hyperparameters"),
    # label noise whose only trace in the curves is a smooth 3 % climb of validation after
    # its floor: noted (CD403 info, early stopping among its fixes), not called a problem;
    # as a warning the same pattern flagged 27 healthy runs on hard data for 3 faults named
    # on the broad corpus (benchmarks/accuracy.py, calibration and first held-out)
    (FIX / "label_noise_gru_classify.json", None),
    (FIX / "small_val_lstm.curvedoc.json", "data_noise"),
    (FIX / "outliers_lstm.curvedoc.json", "data_noise"),
]


@pytest.mark.parametrize("path,expected", TOP_CAUSE, ids=lambda v: getattr(v, "name", str(v)))
def test_top_cause_on_real_runs(path: Path, expected: str | None) -> None:
    report = diagnose(curvedoc.load(path))
    assert not report.errors
    if expected is None:
        assert report.healthy, report.verdict()
        assert report.causes == ()
        assert all(f.severity == "info" for f in report.findings)
    else:
        assert not report.healthy
        assert report.causes[0].category == expected, [c.category for c in report.causes]
        assert report.causes[0].fixes, "every cause comes with fixes"
        confidences = [c.confidence for c in report.causes]
        assert confidences == sorted(confidences, reverse=True)


def test_context_raises_confidence_over_the_bare_history() -> None:
    bare = diagnose(curvedoc.load(FIX / "lr_low_gru.json"))
    full = diagnose(curvedoc.load(FIX / "lr_low_gru.curvedoc.json"))
    assert bare.causes[0].category == full.causes[0].category == "hyperparameters"
    assert full.causes[0].confidence > bare.causes[0].confidence


def test_fixes_are_tailored_to_the_recorded_context() -> None:
    report = diagnose(curvedoc.load(FIX / "lr_high_lstm.curvedoc.json"))
    texts = " ".join(fx.text for c in report.causes for fx in c.fixes)
    assert "learning_rate is 0.3 with Adam" in texts
    report = diagnose(curvedoc.load(FIX / "unscaled_lstm_prices.curvedoc.json"))
    fixes = [fx for c in report.causes for fx in c.fixes]
    assert any("inverse_transform" in (fx.code or "") for fx in fixes)
    assert any("fit the scaler on the training split only" in fx.text for fx in fixes)


def test_scaling_a_loss_leaves_the_bare_diagnosis_unchanged() -> None:
    # scale-free measures: the same curves in other units give the same verdict (the
    # squared-error magnitude rule aside, which reads units on purpose: keep it below 50)
    h = curvedoc.load(FIX / "lr_high_lstm.json")
    base = diagnose(h)
    for factor in (0.001, 7.0):
        scaled = History(
            epochs=h.epochs,
            epoch_series={k: v * factor for k, v in h.epoch_series.items()},
            source=SourceInfo(path="scaled", format="keras-json"),
        )
        r = diagnose(scaled)
        assert [c.category for c in r.causes] == [c.category for c in base.causes]
        assert sorted(f.code for f in r.findings) == sorted(f.code for f in base.findings)


def _severity(path: Path, code: str) -> set[str]:
    return {f.severity for f in _fired(path, code)}


def test_a_validation_drift_that_does_not_show_on_the_plot_is_a_note(tmp_path: Path) -> None:
    # a 1-D CNN on ECG beats at a healthy recipe, saved as a bare history: validation loss
    # 0.688 -> 0.035, then 0.058 at the end, 36 % above its best but 3 % of its fall given
    # back, a flat tail on the plot; CD201 and CD208 note it, the run is not sick
    path = _bare(RUNS2 / "ecg__cnn1d__healthy_alt_b__s1.json.gz", tmp_path)
    report = diagnose(curvedoc.load(path))
    drift = [f for f in report.findings if f.code in ("CD201", "CD208")]
    assert {f.code for f in drift} == {"CD201", "CD208"}
    assert {f.severity for f in drift} == {"info"}
    assert all(f.evidence["val_rise_share_of_fall"] < 0.05 for f in drift)
    assert report.healthy
    # the same network on raw, unscaled inputs climbs back for good: still a warning
    raw = _bare(RUNS2 / "ecg__cnn1d__raw_all__s1.json.gz", tmp_path)
    hits = _fired(raw, "CD208")
    assert [h.severity for h in hits] == ["warning"]
    assert hits[0].evidence["val_rise_share_of_fall"] >= 0.2


def test_a_growing_gap_with_steady_accuracy_is_noted_not_a_problem() -> None:
    # a digits MLP at its healthy recipe: training loss -> 0.002, validation loss 12 % off
    # its best, validation accuracy within a point of its best all along
    assert _severity(RUNS2 / "digits_img__mlp__healthy_ref__s1.json.gz", "CD202") == {"info"}
    # the same gap with accuracy falling away stays a warning
    assert _severity(RUNS / "breast_cancer__gru__oversized__s1.json.gz", "CD202") == {"warning"}


def test_a_setting_outside_its_range_with_the_matching_symptom_is_a_problem() -> None:
    # 2 hidden units and a loss that levels off high: a warning, not a note
    assert _severity(RUNS2 / "sine__lstm__cap_tiny__s1.json.gz", "CD207") == {"warning"}


def test_a_causes_first_fix_acts_on_its_own_category() -> None:
    # "the loss did not move" serves several causes and lists the fixes of all of them;
    # each cause leads with one of its own (here: not "scale the inputs" for hyperparameters)
    from curvedoc.analysis import measure
    from curvedoc.fixes import CATEGORY_FIXES

    for name in ("outliers_lstm.json", "lr_low_gru.json", "unscaled_lstm_prices.curvedoc.json"):
        history = curvedoc.load(FIX / name)
        report = diagnose(history)
        facts = measure(history).facts
        for cause in report.causes:
            own = {make(facts).text for make in CATEGORY_FIXES[cause.category]}
            assert cause.fixes[0].text in own, (name, cause.category, cause.fixes[0].text)


def test_every_fix_belongs_to_a_category() -> None:
    import inspect

    from curvedoc import fixes
    from curvedoc.report import Fix

    makers = {
        name
        for name, obj in vars(fixes).items()
        if inspect.isfunction(obj)
        and obj.__module__ == fixes.__name__
        and inspect.signature(obj).return_annotation in (Fix, "Fix")
    }
    placed = {m.__name__ for ms in fixes.CATEGORY_FIXES.values() for m in ms}
    assert makers and makers <= placed, makers - placed


def test_a_smooth_run_converged_to_a_high_floor_is_noted_not_sick() -> None:
    # diabetes (R^2 about 0.5 at best) at its healthy recipe: validation levels off far above
    # the recorded chance level's tenth, smoothly; a dataset with little signal, not a fault
    h = curvedoc.load(RUNS2 / "diabetes__mlp__healthy_es__s1.json.gz")
    report = diagnose(h)
    assert report.healthy
    assert {f.severity for f in report.findings if f.code == "CD403"} == {"info"}


def test_a_flat_perfect_validation_accuracy_is_not_stuck_at_chance() -> None:
    # separable Conv1D on wrist gestures (SGD with momentum): validation accuracy is 1.0 at
    # every epoch while the training accuracy climbs from 0.73 to 1.0: a plateau at the top,
    # not one class answered throughout
    path = RUNS2 / "gestures__sepcnn1d__healthy_alt_b__s31.json.gz"
    assert _fired(path, "CD313") == []
    # a classifier that answers one class has a flat training accuracy too, and still fires
    assert _severity(RUNS / "activity__bilstm__lr_high__s3.json.gz", "CD313") == {"warning"}


def test_a_classifier_dead_after_its_first_epoch_is_stuck(tmp_path: Path) -> None:
    # a 4-class Conv-GRU on ECG beats with Adam at 0.3: the first epoch moves validation
    # accuracy from 0.225 to 0.255, where it stays for 19 epochs, the training loss never
    # falls again (1.52 -> 1.50 at best) and the validation loss (1.48 at best) is what
    # answering one class scores (ln 4 = 1.39): from the curves alone it is not healthy
    dead = diagnose(curvedoc.load(_bare(RUNS2 / "ecg__conv_gru__lr_x100__s1.json.gz", tmp_path)))
    assert [f.severity for f in dead.findings if f.code == "CD313"] == ["warning"]
    assert not dead.healthy
    # linear hidden layers on moons: accuracy settles at 0.87-0.88 after the first epoch
    # and the training loss stops falling too, but its loss (0.32) is far below the 0.38
    # a constant answer scores at that accuracy: it learned, and is not stuck
    path = RUNS2 / "moons_tab__mlp_ln__act_linear__s31.json.gz"
    assert _fired(_bare(path, tmp_path), "CD313") == []


def test_a_validation_loss_that_only_wobbles_after_its_first_epoch_is_unsteady(
    tmp_path: Path,
) -> None:
    # an MLP on digit images at 100x Adam's usual rate: the validation loss is 2.33 after
    # its second epoch and never gets more than 0.2 below it in 28 more, swinging up to
    # 3.7 on the way; its share of the whole run's improvement is small, so only the
    # stalled-after-the-first-epoch reading of CD316 sees it
    path = _bare(RUNS2 / "digits_img__mlp__lr_x100__s1.json.gz", tmp_path)
    hits = [f for f in _fired(path, "CD316") if f.severity == "warning"]
    assert hits and hits[0].evidence["stalled_after_first_epoch"] is True
    assert "has not improved since epoch 1 " in hits[0].message
    # a healthy GRU classifier keeps improving after its first epoch
    assert _fired(FIX / "healthy_gru_classify.json", "CD316") == []


def test_validation_accuracy_given_back_makes_a_small_loss_rise_a_problem() -> None:
    # an MLP on activity windows with 25 % wrong training labels: validation loss only 11 %
    # above its best (under CD201's 22 %), but validation accuracy fell from 0.90 to 0.82
    hits = _fired(RUNS2 / "activity__mlp__label_noise_25__s1.json.gz", "CD201")
    assert [h.severity for h in hits] == ["warning"]
    assert hits[0].evidence["val_accuracy_given_back"] >= 0.05
    # a rise whose accuracy holds stays a note (the digits MLP at its healthy recipe)
    assert "warning" not in _severity(RUNS2 / "digits_img__mlp__healthy_ref__s1.json.gz", "CD201")


def test_a_short_run_still_plunging_is_too_few_epochs_and_a_long_one_is_not() -> None:
    # the 6-epoch LSTM on sines: validation still falling ~35 % per epoch at the end
    hits = _fired(RUNS2 / "sine__lstm__few_epochs__s1.json.gz", "CD311")
    assert [h.severity for h in hits] == ["warning"] and hits[0].evidence["epochs"] == 6
    # the same model trained for its 20 epochs has levelled off
    assert _fired(RUNS2 / "sine__lstm__healthy_ref__s1.json.gz", "CD311") == []


def test_sample_counts_are_read_from_a_bare_classifiers_accuracy_steps(tmp_path: Path) -> None:
    # the digits MLP trained on 50 samples, saved as a plain history.history (no context):
    # its training accuracy moves in steps of 1/50 and its validation accuracy in 1/359
    rec = curvedoc.load(RUNS2 / "digits_img__mlp__n_train_50__s1.json.gz")
    bare = tmp_path / "history.json"
    bare.write_text(json.dumps({k: [float(x) for x in v] for k, v in rec.epoch_series.items()}))
    report = diagnose(curvedoc.load(bare))
    facts = report.metrics["context"]
    assert (facts["train_samples"], facts["val_samples"]) == (50, 359)
    assert any("train_samples = 50" in n for n in report.notes)
    assert any(f.code == "CD103" and f.severity == "warning" for f in report.findings)
    # a regression has no accuracy to read: nothing is made up
    reg = curvedoc.load(FIX / "healthy_lstm_sine.json")
    assert diagnose(reg).metrics["context"]["train_samples"] is None


def test_accuracies_a_logger_rounded_give_no_sample_counts(tmp_path: Path) -> None:
    # the same gestures GRU run (800 training, 360 validation samples) as a custom logger
    # that prints round(acc, 2) would save it: every accuracy is then k/100, which says
    # nothing about the data
    rec = curvedoc.load(RUNS2 / "gestures__gru_ln__healthy_ref__s31.json.gz")
    full = tmp_path / "full.json"
    full.write_text(json.dumps({k: [float(x) for x in v] for k, v in rec.epoch_series.items()}))
    facts = diagnose(curvedoc.load(full)).metrics["context"]
    assert (facts["train_samples"], facts["val_samples"]) == (800, 360)
    rounded = tmp_path / "rounded.json"
    rounded.write_text(
        json.dumps(
            {
                k: [round(float(x), 2) if "acc" in k else float(x) for x in v]
                for k, v in rec.epoch_series.items()
            }
        )
    )
    facts = diagnose(curvedoc.load(rounded)).metrics["context"]
    assert (facts["train_samples"], facts["val_samples"]) == (None, None)
    # printed with four decimals (f"{acc:.4f}"), the most common custom format: the steps
    # are 1/10,000, the rounding's, and no count of 10,000 is made up
    four = tmp_path / "four.csv"
    keys = list(rec.epoch_series)
    rows = zip(*(rec.epoch_series[k] for k in keys), strict=True)
    four.write_text(
        "epoch,"
        + ",".join(keys)
        + "\n"
        + "".join(
            f"{i}," + ",".join(f"{float(x):.4f}" for x in row) + "\n" for i, row in enumerate(rows)
        )
    )
    report = diagnose(curvedoc.load(four))
    assert (
        report.metrics["context"]["train_samples"],
        report.metrics["context"]["val_samples"],
    ) == (
        None,
        None,
    )
    assert not any("10,000" in n for n in report.notes)


def _bare(path: Path, tmp_path: Path) -> Path:
    """The epoch curves of a recorded run, saved as a plain ``history.history`` would be."""
    rec = curvedoc.load(path)
    bare = tmp_path / f"{path.name.split('.')[0]}.json"
    bare.write_text(json.dumps({k: [float(x) for x in v] for k, v in rec.epoch_series.items()}))
    return bare


def test_classes_read_from_a_noisy_loss_whose_best_sits_at_chance(tmp_path: Path) -> None:
    # a 6-class transformer trained with Adam 100x too high: its validation loss wanders
    # between 1.80 and 2.02 (the last value, 1.876, is ln 6.5), its best is 1.799 = ln 6
    # within 0.4 %, and its validation accuracy never passes 0.178 (1/6 = 0.167)
    report = diagnose(
        curvedoc.load(_bare(RUNS2 / "radio__transformer__lr_x100__s41.json.gz", tmp_path))
    )
    assert report.task["n_classes"] == 6
    stuck = [f for f in report.findings if f.code == "CD313"]
    assert stuck and stuck[0].severity == "warning"
    assert not report.healthy
    # a classifier that learned keeps no class count from its curves
    ok = diagnose(
        curvedoc.load(_bare(RUNS2 / "radio__transformer__healthy_ref__s41.json.gz", tmp_path))
    )
    assert ok.task["n_classes"] is None


def test_a_classifier_at_chance_on_an_unbalanced_validation_set_is_not_healthy(
    tmp_path: Path,
) -> None:
    # found on the eleventh held-out after it was measured: a ShuffleNet-style net trained
    # full-batch on 6 classes of handwritten music symbols. Its validation loss sits on
    # ln 6 = 1.792 for 30 epochs and its validation accuracy at 0.17-0.20 (the largest
    # class's share), while the training loss creeps down; from the curves alone it was
    # called healthy, because 0.20 is more than two points above 1/6
    report = diagnose(
        curvedoc.load(
            _bare(RUNS2 / "music_notes__shufflenet2d__batch_full__s121.json.gz", tmp_path)
        )
    )
    assert report.task["n_classes"] == 6
    assert any(f.code == "CD313" and f.severity == "warning" for f in report.findings)
    assert not report.healthy
    # its healthy twin learned: no class count from its curves, no CD313
    ok = diagnose(
        curvedoc.load(
            _bare(RUNS2 / "music_notes__shufflenet2d__healthy_ref__s121.json.gz", tmp_path)
        )
    )
    assert ok.task["n_classes"] is None
    assert not any(f.code == "CD313" for f in ok.findings)


def test_a_classifier_stuck_on_the_class_shares_is_not_healthy(tmp_path: Path) -> None:
    # found on the twelfth held-out after it was measured: a GhostNet-style net trained on
    # full batches of 6 land-cover classes. Its training accuracy climbs to 0.70 while the
    # validation loss only drifts from 1.794 (ln 6) to 1.757 and the validation accuracy
    # sits at 0.21 for 30 epochs; from the curves alone it was called healthy
    report = diagnose(
        curvedoc.load(_bare(RUNS2 / "land_cover__ghost2d__batch_full__s131.json.gz", tmp_path))
    )
    assert report.task["n_classes"] == 6
    assert any(f.code == "CD313" and f.severity == "warning" for f in report.findings)
    assert not report.healthy
    ok = diagnose(
        curvedoc.load(_bare(RUNS2 / "land_cover__ghost2d__healthy_ref__s131.json.gz", tmp_path))
    )
    assert ok.task["n_classes"] is None
    assert not any(f.code == "CD313" for f in ok.findings)


def test_a_loss_that_barely_moved_but_still_creeps_down_is_not_healthy(tmp_path: Path) -> None:
    # full-batch training of a 4-class GRU: one step per epoch, the loss 1.449 -> 1.330 in
    # 20 epochs (8 %), still falling at the end while validation creeps too
    report = diagnose(
        curvedoc.load(_bare(RUNS2 / "gestures__gru_ln__batch_full__s31.json.gz", tmp_path))
    )
    slow = [f for f in report.findings if f.code == "CD304"]
    assert slow and slow[0].severity == "warning"
    assert "within 10% of where it started" in slow[0].message
    assert not report.healthy
    # a classifier that trained well does not get it
    ok = diagnose(curvedoc.load(FIX / "healthy_gru_classify.json"))
    assert not [f for f in ok.findings if f.code == "CD304"]


def test_a_straight_decline_beside_a_validation_loss_still_falling_is_slow_convergence(
    tmp_path: Path,
) -> None:
    # an LSTM on 200 samples: the training loss falls as a straight line on a log axis for
    # all 20 epochs (1.13 -> 0.21) while validation, after a fast first drop, still falls
    # at its average pace at the end; that validation curve has reached no floor
    from curvedoc.analysis import measure
    from curvedoc.rules.common import primary
    from curvedoc.rules.hyperparameters import falls_at_the_end, still_falling

    history = curvedoc.load(_bare(RUNS2 / "sine__lstm__n_train_200__s1.json.gz", tmp_path))
    val = primary(measure(history)).val
    assert falls_at_the_end(val) and not still_falling(val)  # a fast start, then no bend
    report = diagnose(history)
    slow = [f for f in report.findings if f.code == "CD304"]
    assert slow and slow[0].severity == "warning"
    assert "straight line" in slow[0].message
    assert not report.healthy
    # a validation loss that levelled off still vetoes it: the healthy reference sine LSTM
    ok = diagnose(curvedoc.load(FIX / "healthy_lstm_sine.json"))
    assert not [f for f in ok.findings if f.code == "CD304"]


def test_a_classifier_that_never_learned_after_a_blown_up_first_epoch_is_not_read_as_raw_inputs(
    tmp_path: Path,
) -> None:
    # both start far above the chance level ln 6 (CD105). RMSprop 100x too high: 499 ->
    # 4.6 -> 1.82 and frozen there, accuracy 0.19 throughout; raw inputs: 423 -> 98 -> 53 ...
    # -> 1.2, accuracy 0.59 -> 0.98. Only the first is evidence against unscaled data.
    killed = diagnose(curvedoc.load(_bare(RUNS2 / "activity__mlp__lr_x100__s1.json.gz", tmp_path)))
    raw = diagnose(curvedoc.load(_bare(RUNS2 / "activity__mlp__raw_all__s1.json.gz", tmp_path)))
    for report in (killed, raw):
        assert [f for f in report.findings if f.code == "CD105"]
    _, killed_features = diagnose_with_features(
        curvedoc.load(_bare(RUNS2 / "activity__mlp__lr_x100__s1.json.gz", tmp_path))
    )
    _, raw_features = diagnose_with_features(
        curvedoc.load(_bare(RUNS2 / "activity__mlp__raw_all__s1.json.gz", tmp_path))
    )
    assert "CD105:against" in killed_features
    assert "CD105:against" not in raw_features
    assert killed.top_cause is not None and killed.top_cause.category == "hyperparameters"
    assert raw.top_cause is not None and raw.top_cause.category == "unscaled_data"


def test_accuracy_gain_is_the_share_of_the_way_to_perfect_won_after_the_first_epoch() -> None:
    from curvedoc.analysis import measure
    from curvedoc.rules.registry import RuleInput
    from curvedoc.rules.unscaled_data import accuracy_gain

    def gain(series: dict[str, list[float]]) -> tuple[float, str] | None:
        n = len(next(iter(series.values())))
        h = History(
            epochs=np.arange(n),
            epoch_series={k: np.asarray(v, dtype=float) for k, v in series.items()},
            source=SourceInfo(path="x", format="keras-json"),
        )
        return accuracy_gain(RuleInput(m=measure(h), history=h))

    loss = [3.0, 1.8, 1.7, 1.7, 1.7, 1.7]
    flat = [0.2, 0.21, 0.19, 0.2, 0.2, 0.2]
    climbing = [0.2, 0.3, 0.5, 0.7, 0.8, 0.75]
    both = {"loss": loss, "val_loss": loss, "accuracy": flat, "val_accuracy": flat}
    assert gain(both) == (pytest.approx(0.01 / 0.8), "accuracy")
    # the larger of the training and validation shares, with its series
    assert gain({**both, "val_accuracy": climbing}) == (pytest.approx(0.6 / 0.8), "val_accuracy")
    # a model that learned within its first epoch (0.91 -> 0.99) won most of what was left
    fast = [0.91, 0.95, 0.97, 0.98, 0.99, 0.99]
    assert gain({**both, "accuracy": fast, "val_accuracy": fast})[0] == pytest.approx(0.08 / 0.09)
    # any accuracy-type metric counts: top-k near 1 from the start, plain accuracy climbing
    top5 = [0.92, 0.95, 0.97, 1.0, 1.0, 1.0]
    mixed = {"loss": loss, "top_k_categorical_accuracy": top5, "accuracy": climbing}
    assert gain(mixed) == (pytest.approx(1.0), "top_k_categorical_accuracy")
    # a NaN first value: the first finite one is the baseline
    late = [float("nan"), 0.2, 0.2, 0.21, 0.2, 0.2, 0.2]
    assert gain({"loss": [3.0, *loss], "accuracy": late})[0] == pytest.approx(0.01 / 0.8)
    # logged in percent
    assert gain({"loss": loss, "accuracy": [20.0, 21, 19, 20, 20, 20]})[0] == pytest.approx(0.0125)
    # no accuracy logged, or too few epochs of it: no answer
    assert gain({"loss": loss, "val_loss": loss}) is None
    assert gain({"loss": loss[:4], "accuracy": flat[:4]}) is None


def test_typed_facts_that_say_full_batch_point_to_the_batch_not_to_the_data(
    tmp_path: Path,
) -> None:
    # a GLU MLP trained full-batch (1,600 samples, batch 1,600: one step per epoch); from the
    # curves and the five facts a person types, with no data statistics. The weight table
    # once read "learning rate normal, loss slow" as unscaled data here (0.81)
    from curvedoc.context_input import fragment, parse_context_args
    from curvedoc.context_merge import apply_context

    h = curvedoc.load(_bare(RUNS2 / "battery__glu_mlp__batch_full__s51.json.gz", tmp_path))
    facts = parse_context_args(
        [
            "optimizer=adam",
            "learning_rate=0.001",
            "batch_size=1600",
            "train_samples=1600",
            "val_samples=400",
            "params=5217",
        ]
    )
    report = diagnose(apply_context(h, [fragment("--context", facts)]))
    assert [f for f in report.findings if f.code == "CD307" and f.severity == "warning"]
    assert report.top_cause is not None
    assert report.top_cause.category == "hyperparameters"
    assert report.top_cause.confidence > 0.8


def test_a_run_logged_without_validation_says_what_cannot_be_seen(tmp_path: Path) -> None:
    """The oversized LSTM's real curves: with validation it overfits; its training curve
    alone looks converged, and the report says that overfitting cannot be seen there."""
    from curvedoc.diagnosis import NO_VALIDATION_NOTE

    logs = json.loads((FIX / "overfit_lstm_big.json").read_text())
    with_val = diagnose(curvedoc.load(FIX / "overfit_lstm_big.json"))
    assert not with_val.healthy and NO_VALIDATION_NOTE not in with_val.notes
    path = tmp_path / "train_only.json"
    path.write_text(json.dumps({k: v for k, v in logs.items() if not k.startswith("val_")}))
    alone = diagnose(curvedoc.load(path))
    assert NO_VALIDATION_NOTE in alone.notes
    assert "validation_split" in NO_VALIDATION_NOTE


def _codes_of(tmp_path: Path, name: str, loss: list[float], val: list[float]) -> set[str]:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"loss": loss, "val_loss": val}))
    report = diagnose(curvedoc.load(path))
    return {f.code for f in report.findings if f.severity != "info"}


def test_a_climb_in_the_last_epochs_is_a_blow_up_but_one_bad_epoch_or_a_slow_drift_is_not(
    tmp_path: Path,
) -> None:
    # synthetic curves with a known answer: a settled decline, then three endings of the
    # validation loss
    loss = [1.0 / (1 + 0.5 * i) for i in range(16)]
    val = [v * 1.1 for v in loss]
    climb = [*val[:-2], val[-3] * 2.0, val[-3] * 6.0]  # two rises, 6x in three epochs
    assert "CD318" in _codes_of(tmp_path, "climb", loss, climb)
    spike = [*val[:-1], val[-2] * 6.0]  # one bad last epoch: not two rises in a row
    assert "CD318" not in _codes_of(tmp_path, "spike", loss, spike)
    drift = val[:8] + [val[7] * 1.08**k for k in range(1, 9)]  # a slow climb over 8 epochs
    assert "CD318" not in _codes_of(tmp_path, "drift", loss, drift)
    # logged every other epoch, the same last readings span six epochs, not three
    sparse = [v if i % 2 else float("nan") for i, v in enumerate(climb)]
    assert "CD318" not in _codes_of(tmp_path, "sparse", loss, sparse)


def test_a_healthy_run_whose_last_epochs_cost_is_told_to_keep_the_best(tmp_path: Path) -> None:
    # a healthy Fourier-feature MLP on NIR spectra: no warning, but its last validation
    # loss is 16 % worse than its best (epoch 15). The verdict must not say both "nothing
    # to fix" and "Harmful": the cost is the final model's, not training's
    from curvedoc.render.html import render_html
    from curvedoc.render.terminal import render_terminal

    report = diagnose(
        curvedoc.load(
            _bare(RUNS2 / "nir_grain__fourier_mlp__healthy_alt_b__s111.json.gz", tmp_path)
        )
    )
    assert report.healthy and report.fluctuation is not None and report.fluctuation.harmful
    summary = report.fluctuation.summary
    assert summary.startswith("Harmful: ") and "not training's" in summary
    text = render_terminal(report, width=120, color=False)
    assert "keep the best epoch" in text and "nothing to fix;" not in text
    assert "keep the best epoch" in render_html(report)
    assert "keep the best epoch" in report.to_markdown()
    assert report.verdict().startswith("healthy: ") and "keep the best epoch" in report.verdict()
    # a healthy run whose wiggle costs nothing keeps the plain verdict
    calm = diagnose(
        curvedoc.load(
            _bare(RUNS2 / "water_network__dilated_gru__healthy_ref__s131.json.gz", tmp_path)
        )
    )
    assert calm.healthy and calm.fluctuation is not None and not calm.fluctuation.harmful
    assert "nothing to fix" in render_terminal(calm, width=120, color=False)
    assert calm.verdict() == "healthy: the fluctuation is ordinary training noise"
