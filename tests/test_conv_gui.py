"""The app trains a small conv net end to end from its training form and shows its layers."""

from model.fit import CONV_ADVICE, ModelSettings
from tests.glyphs import STROKE_SHAPES as SHAPES
from tests.gui_helpers import (
    TRAIN_TIMEOUT_MS,
    WAIT_MS,
    draw_shape,
    fill_samples,
    prediction,
    quick_settings,
)


def test_training_form_offers_conv_blocks(qtbot, window):
    form, panel = window.training_panel.form, window.training_panel
    assert form.conv.text() == ",".join(map(str, ModelSettings().conv_blocks))
    assert CONV_ADVICE in form.conv.toolTip()
    form.conv.setText("0")
    assert form.conv.property("invalid") is True
    assert "conv channel counts" in form.conv.toolTip()
    assert not panel.train_button.isEnabled()
    form.conv.setText("4,4,4,4,4")
    assert "too small for 5 conv blocks" in form.error.text()
    form.conv.setText("32,x")
    assert "whole numbers" in form.conv.toolTip()
    form.conv.setText("")
    assert form.is_valid() and form.model_settings().conv == ()
    form.conv.setText("8, 16")
    assert form.is_valid() and form.model_settings().conv == (8, 16)
    form.network_type.setCurrentIndex(form.network_type.findData("recurrent"))
    assert not form.conv.isEnabled() and form.model_settings().conv == ()


def test_conv_blocks_bring_their_usual_hidden_widths_unless_the_user_chose_others(qtbot, window):
    form = window.training_panel.form
    dense, after_conv = (",".join(map(str, ModelSettings(conv=conv).hidden_sizes))
                         for conv in ((), (1,)))
    assert form.hidden.text() == dense
    form.conv.setText("32,64")
    assert form.hidden.text() == after_conv
    assert form.model_settings().hidden == ModelSettings(conv=(32, 64)).hidden_sizes
    form.conv.setText("")
    assert form.hidden.text() == dense
    form.hidden.setText("64")
    form.conv.setText("16")
    assert form.hidden.text() == "64"


def test_train_a_conv_net_in_the_app_then_predict(qtbot, make_window):
    window = make_window()
    fill_samples(window, 6)
    quick_settings(window, epochs=12)
    form = window.training_panel.form
    form.conv.setText("4")
    form.hidden.setText("16")
    with qtbot.waitSignal(window.runner.finished, timeout=TRAIN_TIMEOUT_MS):
        window.training_panel.train_button.click()
    network = window.classifier.network
    assert network.config()["conv"] == [4]
    assert "conv3x3:4-pool" in window.summary.toolTip()
    assert "Conv2D(1, 4, 3x3)" in window.summary.toolTip()
    assert "MaxPool2D(2x2)" in window.summary.toolTip()
    for label in SHAPES:
        draw_shape(window.canvas, label, seed=99)
        assert prediction(qtbot, window) == label
        window.action_set.clear.trigger()
        qtbot.waitUntil(window.prediction.showing_message, timeout=WAIT_MS)
