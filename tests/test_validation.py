import numpy as np
import pytest

from model.validation import MIN_HELD_OUT, accuracy_text, interval, validation_share


def test_automatic_validation_holds_out_only_enough_samples_to_mean_something():
    assert validation_share(36, None) == 0
    assert validation_share(10 * MIN_HELD_OUT, None) == pytest.approx(0.1)
    assert validation_share(36, 0.25) == 0.25  # an explicit share is kept


def test_three_samples_never_show_a_percentage():
    text = accuracy_text(1.0, 3)
    assert "%" not in text and "too few" in text and str(MIN_HELD_OUT) in text
    assert "no held-out" in accuracy_text(None, 0)


def test_enough_samples_show_the_figure_with_the_range_it_likely_lies_in():
    text = accuracy_text(0.95, 200)
    assert text == "95.0%, likely 91.0–97.3% (200 held-out samples)"
    # Wilson interval for 190/200: [0.9104, 0.9726].
    assert interval(0.95, 200) == pytest.approx((0.9104, 0.9726), abs=5e-4)
    # Near 100% the range is lopsided and never passes 100% (33 of 33: [0.896, 1]).
    assert accuracy_text(1.0, 33) == "100.0%, likely 89.6–100.0% (33 held-out samples)"
    width = [np.diff(interval(0.5, n))[0] for n in (30, 300)]
    assert width[0] > width[1]
    assert interval(0.5, 0) == (0.0, 1.0)
