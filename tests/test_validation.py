import math

import pytest

from model.validation import MIN_HELD_OUT, accuracy_text, margin, validation_share


def test_automatic_validation_holds_out_only_enough_samples_to_mean_something():
    assert validation_share(36, None) == 0
    assert validation_share(10 * MIN_HELD_OUT, None) == pytest.approx(0.1)
    assert validation_share(36, 0.25) == 0.25  # an explicit share is kept


def test_three_samples_never_show_a_percentage():
    text = accuracy_text(1.0, 3)
    assert "%" not in text and "too few" in text and str(MIN_HELD_OUT) in text
    assert "no held-out" in accuracy_text(None, 0)


def test_enough_samples_show_the_figure_with_its_margin():
    text = accuracy_text(0.95, 200)
    assert text.startswith("95.0% ± ") and "200 held-out samples" in text
    # Wilson interval for 190/200: [0.9104, 0.9726], so the larger side is 3.96 points.
    assert margin(0.95, 200) == pytest.approx(0.0396, abs=5e-4)
    assert margin(1.0, 100) < 0.05 and margin(0.5, 30) > margin(0.5, 300)
    assert math.isclose(margin(0.5, 0), 1.0)
