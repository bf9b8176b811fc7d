"""The words of a comparison: chosen in one module, from the codes and facts the document holds."""

from harness.host import wording


def test_materiality_label_names_the_cause_only_of_a_change():
    assert wording.materiality_label(None) == "-"
    assert wording.materiality_label({"materiality": "within_tolerance", "cause": "arithmetic"}) == "within tolerance"
    assert wording.materiality_label({"materiality": "material", "cause": "training_randomness"}) == \
        "MATERIAL (training RNG)"
    assert wording.materiality_label({"materiality": "material", "cause": "initialisation",
                                      "expected": {"reason": "r"}}) == "MATERIAL (init) expected"


def test_evidence_is_said_from_its_code_and_facts():
    dropout = {"layer": "dropout", "class": "Dropout", "attribute": "rate", "value": 0.2}
    randomness = {"layers": [dropout], "shuffle": True, "pipeline": False}
    skip = {"code": "missing_capability", "missing": ["switchable_training_randomness"]}
    text = wording.evidence_text({"code": "randomness_not_controlled", "randomness": randomness,
                                  "controlled": {"env": "tf114", "skip": skip}})
    assert text.startswith("training randomness (dropout (Dropout rate=0.2), shuffling) could not be switched off to "
                           "rule out arithmetic: tf114 lacks switchable_training_randomness (TF 1.x graphs")
    assert wording.evidence_text({"code": "controlled_runs_differ", "randomness": randomness, "controlled": "material",
                                  "first_part": {"key": "loss", "epoch": 3, "env_value": 1.0, "baseline_value": 2.0}}) == \
        "even with dropout (Dropout rate=0.2), shuffling switched off the runs differ from loss epoch 3 on"


def test_a_quantity_is_named_from_its_measure():
    names = [wording.quantity_name({"measure": measure, "of": "val_auc"}) for measure in
             ("final", "curve_mean", "epochs_trained", "best_epoch", "final_learning_rate")]
    assert names == ["final val_auc", "val_auc curve (mean over epochs)", "epochs trained", "best epoch (val_auc)",
                     "final learning rate"]


def test_a_rule_s_outcome_is_said_whole():
    measured = {"outcome": "measured", "distance": 2.5e-7, "evidence": 12, "missing": [], "raised": None}
    skipped = {"outcome": "skipped", "distance": None, "evidence": None, "missing": ["tf_data"], "raised": None}
    raised = {"outcome": "raised", "distance": None, "evidence": None, "missing": [], "raised": "ValueError"}
    assert [wording.rule_detail(found) for found in (measured, skipped, raised)] == [
        "2.5e-07 over 12 numbers", "skipped: lacks tf_data", "raised ValueError"]
