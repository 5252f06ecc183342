"""Training settings: defaults from ModelSettings and TrainingConfig; invalid fields flagged.

The network fields (type, conv blocks, hidden layers, activation, relaxation) only shape a new
model; continuing to train a model uses the training fields alone, so an invalid network field
stops "Train new model" but not "Continue training".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from model.fit import CONV_ADVICE, ModelSettings
from model.network import ACTIVATIONS
from model.networks import DEFAULT_ACTIVATIONS, NETWORK_TYPES
from model.optim import DEFAULT_LEARNING_RATES, OPTIMIZERS
from model.train import MIN_EPOCHS, MIN_STEPS, TrainingConfig
from model.validation import HOLD_OUT_SHARE, MIN_HELD_OUT

from .text import sizes_text
from .widgets import plain_label

# Short enough for the narrow first column; the combo box's tooltip says what each one is.
NETWORK_NAMES = {"static": "Static", "recurrent": "Recurrent"}
NARROW_FIELD = 96
INVALID_STYLE = "*[invalid=\"true\"] { border: 1px solid #d93025; border-radius: 3px; }"
ERROR_COLOUR = "#d93025"
AUTO = "Auto"  # what a spin box shows at its lowest value, which means "decide from the data"


def parse_sizes(text: str, what: str = "hidden layers", example: str = "256,128",
                allow_empty: bool = False) -> tuple[int, ...]:
    """"256, 128" -> (256, 128); ValueError with a one-line message otherwise."""
    parts = [part.strip() for part in text.replace(";", ",").split(",")]
    if not text.strip():
        if allow_empty:
            return ()
        raise ValueError(f"give the {what} sizes, e.g. {example}")
    try:
        return tuple(int(part) for part in parts)
    except ValueError:
        raise ValueError(f"{what}: whole numbers separated by commas, e.g. {example}"
                         ) from None


def parse_conv(text: str) -> tuple[int, ...]:
    """Conv blocks: "32,64" -> (32, 64); empty -> () (none)."""
    return parse_sizes(text, "conv blocks", "32,64", allow_empty=True)


def parse_number(text: str, name: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise ValueError(f"{name} must be a number, e.g. 0.001") from None


class TrainingForm(QWidget):
    """Network and training settings in two columns; emits validityChanged() when what can be
    trained changes (a new model, continuing the current one: see :meth:`is_valid`)."""

    validityChanged = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        model_defaults, defaults = ModelSettings(), TrainingConfig()
        self.network_type = QComboBox()
        for kind in NETWORK_TYPES:
            self.network_type.addItem(NETWORK_NAMES.get(kind, kind), kind)
        self.network_type.setToolTip(
            "Static: a feed-forward multilayer network trained by backpropagation.\n"
            "Recurrent: hidden units feed back into each other and relax to a fixed point "
            "(Almeida-Pineda recurrent backpropagation).")
        self.conv = QLineEdit(sizes_text(model_defaults.conv_blocks))
        self.conv.setPlaceholderText("none")
        self.conv.setToolTip("Static: convolutional blocks before the hidden layers, one per "
                             "number — a 3x3 convolution with that many channels, ReLU and 2x2 "
                             "max-pooling — e.g. 32,64; empty for a dense network.\n"
                             + CONV_ADVICE)
        self.hidden = QLineEdit(sizes_text(model_defaults.hidden_sizes))
        self.hidden.setToolTip("Widths of the hidden layers, e.g. 256,128 (a recurrent network "
                               "has one hidden layer: give one number)")
        self.activation = QComboBox()
        self.activation.addItems(list(ACTIVATIONS))
        self.activation.setCurrentText(model_defaults.hidden_activation)
        self.activation.setToolTip("Nonlinearity of the hidden units")
        self.max_iter = _spin(1, 10_000, model_defaults.max_iter,
                              "Recurrent: most relaxation steps to reach the fixed point")
        self.tol = QLineEdit(f"{model_defaults.tol:g}")
        self.tol.setToolTip("Recurrent: relaxation stops when no unit changes by more than this")
        self.optimizer = QComboBox()
        self.optimizer.addItems(list(OPTIMIZERS))
        self.optimizer.setCurrentText(defaults.optimizer)
        self.optimizer.setToolTip("Adam adapts the step size per weight; SGD uses momentum")
        self.learning_rate = QLineEdit(f"{defaults.learning_rate:g}")
        self.learning_rate.setToolTip("Step size of the optimiser (" + ", ".join(
            f"{name}: about {rate:g}" for name, rate in DEFAULT_LEARNING_RATES.items()) + ")")
        self.epochs = _spin(0, 100_000, defaults.epochs or 0,
                            "Most passes over the training samples. Auto: enough for "
                            f"{MIN_STEPS} weight updates (at least {MIN_EPOCHS} epochs); "
                            "training stops early when the loss stops improving")
        self.epochs.setSpecialValueText(AUTO)
        self.batch_size = _spin(1, 100_000, defaults.batch_size,
                                "Samples per weight update")
        self.validation = _spin(-1, 90, _percent(defaults.validation_split),
                                "Share of the samples held out to measure accuracy and pick "
                                f"the best epoch. Auto: {HOLD_OUT_SHARE:.0%} when that is at "
                                f"least {MIN_HELD_OUT} samples, else none (too few to tell)")
        self.validation.setSuffix(" %")
        self.validation.setSpecialValueText(AUTO)
        self.augment = QCheckBox("Augment samples")
        self.augment.setChecked(model_defaults.augment)
        self.augment.setToolTip("Train on randomly shifted, rotated, scaled and thickened "
                                "copies of the samples: better on new handwriting")
        self.keep_best = QCheckBox("On cancel, keep the best weights")
        self.keep_best.setChecked(True)
        self.keep_best.setToolTip("When training is cancelled, keep the best weights so far; "
                                  "otherwise the previous model stays")
        self.error = plain_label()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.error.hide()

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(6)
        # (row, column, label, field, columns spanned); the right-hand column holds short numbers
        cells = [(0, 0, "Network", self.network_type, 1), (0, 1, "Conv blocks", self.conv, 1),
                 (1, 0, "Hidden layers", self.hidden, 1), (1, 1, "Epochs", self.epochs, 1),
                 (2, 0, "Activation", self.activation, 1),
                 (2, 1, "Batch size", self.batch_size, 1),
                 (3, 0, "Optimiser", self.optimizer, 1),
                 (3, 1, "Learning rate", self.learning_rate, 1),
                 (4, 0, "Max iterations", self.max_iter, 1), (4, 1, "Tolerance", self.tol, 1),
                 (5, 0, "Validation", self.validation, 1)]
        self._labels: dict[QWidget, QLabel] = {}
        for row, column, text, widget, span in cells:
            label = plain_label(text)
            label.setBuddy(widget)
            self._labels[widget] = label
            grid.addWidget(label, row, 2 * column)
            grid.addWidget(widget, row, 2 * column + 1, 1, span)
            if column == 1:
                widget.setMaximumWidth(NARROW_FIELD)
        grid.addWidget(self.augment, 5, 2, 1, 2)
        grid.addWidget(self.keep_best, 6, 0, 1, 4)
        grid.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addWidget(self.error)
        self.setStyleSheet(INVALID_STYLE)

        self._network_valid = self._training_valid = True
        self.network_type.currentIndexChanged.connect(self._type_changed)
        self.optimizer.currentTextChanged.connect(self._optimizer_changed)
        self.conv.textChanged.connect(self._conv_changed)
        for edit in (self.conv, self.hidden, self.tol, self.learning_rate):
            edit.textChanged.connect(self.check)
        self._type_changed()

    # --- values -------------------------------------------------------------------------------

    def is_valid(self, continuing: bool = False) -> bool:
        """Whether the last :meth:`check` found the fields valid that a run uses.

        Parameters
        ----------
        continuing : bool, default False
            For continuing to train the current model, which keeps its network: only the
            training fields count. Otherwise (a new model) every field does.

        Returns
        -------
        bool
            True when training of that kind can start with these settings.
        """
        return self._training_valid and (continuing or self._network_valid)

    def model_settings(self, continuing: bool = False) -> ModelSettings:
        """The settings of the network to train.

        Parameters
        ----------
        continuing : bool, default False
            For continuing to train a model, which keeps its own network: only the
            augmentation is taken from the form, and the network fields are not read.

        Returns
        -------
        ModelSettings
            The network (for a new model) and augmentation settings.

        Raises
        ------
        ValueError
            With a one-line message, if a field that is read is invalid.
        """
        if continuing:
            return ModelSettings(augment=self.augment.isChecked())
        kind = self.network_type.currentData()
        tol = (parse_number(self.tol.text(), "tolerance") if kind == "recurrent"
               else ModelSettings().tol)
        conv = parse_conv(self.conv.text()) if kind == "static" else ()
        return ModelSettings(network_type=kind, hidden=parse_sizes(self.hidden.text()),
                             conv=conv,
                             activation=self.activation.currentText(),
                             max_iter=self.max_iter.value(), tol=tol,
                             augment=self.augment.isChecked())

    def training_config(self) -> TrainingConfig:
        """The training settings; ValueError (one line) if a field is invalid."""
        validation = self.validation.value()
        return TrainingConfig(epochs=self.epochs.value() or None,
                              batch_size=self.batch_size.value(),
                              learning_rate=parse_number(self.learning_rate.text(),
                                                         "learning rate"),
                              optimizer=self.optimizer.currentText(),
                              validation_split=validation / 100 if validation >= 0 else None)

    # --- checking -----------------------------------------------------------------------------

    def keeps_best(self) -> bool:
        """Whether a cancelled run keeps its best weights so far (else the previous model)."""
        return self.keep_best.isChecked()

    def check(self, continuing: bool = False) -> bool:
        """Flag every invalid field (red border, tooltip, message).

        Each text field is checked on its own against the engine's own validation, so that an
        error appears at the field that causes it.

        Parameters
        ----------
        continuing : bool, default False
            Whether the answer is for continuing to train the current model (see
            :meth:`is_valid`); the fields are flagged the same either way.

        Returns
        -------
        bool
            Whether the fields that kind of training uses are all valid.
        """
        kind = self.network_type.currentData()
        network = self._problems({
            self.conv: lambda text: ModelSettings(network_type=kind,
                                                  conv=parse_conv(text)).validate(),
            self.hidden: lambda text: ModelSettings(network_type=kind,
                                                    hidden=parse_sizes(text)).validate(),
            self.tol: lambda text: ModelSettings(
                tol=parse_number(text, "tolerance")).validate(),
        }, self.model_settings)
        training = self._problems({
            self.learning_rate: lambda text: TrainingConfig(
                learning_rate=parse_number(text, "learning rate")).validate(),
        }, self.training_config)
        self.error.setText("\n".join(network + training))
        self.error.setVisible(bool(network or training))
        validity = (not network, not training)
        if validity != (self._network_valid, self._training_valid):
            self._network_valid, self._training_valid = validity
            self.validityChanged.emit()
        return self.is_valid(continuing)

    def _problems(self, checks: dict[QLineEdit, Callable[[str], Any]],
                  settings: Callable[[], ModelSettings | TrainingConfig]) -> list[str]:
        """Flag each field of ``checks`` by its own check (a disabled one is never wrong); once
        they are all right, validate the ``settings()`` they make up as a whole. Returns the
        problems found, one line each."""
        problems = []
        for edit, check in checks.items():
            problem = ""
            if edit.isEnabled():
                try:
                    check(edit.text())
                except ValueError as exc:
                    problem = str(exc)
            problem = field_problem(self._labels[edit].text(), problem)
            _flag(edit, problem)
            if problem:
                problems.append(problem)
        if not problems:
            try:
                settings().validate()
            except ValueError as exc:
                problems.append(str(exc))
        return problems

    def _type_changed(self) -> None:
        kind = self.network_type.currentData()
        recurrent = kind == "recurrent"
        for widget in (self.max_iter, self.tol):
            widget.setEnabled(recurrent)
            self._labels[widget].setEnabled(recurrent)
        self.conv.setEnabled(not recurrent)
        self._labels[self.conv].setEnabled(not recurrent)
        self._labels[self.hidden].setText("Hidden units" if recurrent else "Hidden layers")
        if recurrent and "," in self.hidden.text():
            self.hidden.setText(self.hidden.text().split(",")[0].strip())
        self.activation.setCurrentText(DEFAULT_ACTIVATIONS[kind])
        self.check()

    def _conv_changed(self) -> None:
        """Swap in the usual hidden widths with or without conv blocks (as ``ModelSettings``
        gives them) if the field holds the other ones."""
        try:
            with_conv = bool(parse_conv(self.conv.text()))
            hidden = parse_sizes(self.hidden.text())
        except ValueError:
            return
        dense, after_conv = (ModelSettings(conv=conv).hidden_sizes for conv in ((), (1,)))
        old, new = (dense, after_conv) if with_conv else (after_conv, dense)
        if self.network_type.currentData() == "static" and hidden == old:
            self.hidden.setText(sizes_text(new))

    def _optimizer_changed(self, name: str) -> None:
        """Swap in the new optimiser's usual learning rate if the field holds the old one's."""
        usual = DEFAULT_LEARNING_RATES
        for other, rate in usual.items():
            if other != name and self.learning_rate.text() == f"{rate:g}" and name in usual:
                self.learning_rate.setText(f"{usual[name]:g}")
                break


def _percent(share: float | None) -> int:
    """A validation share as the spin box shows it: whole percent, -1 for automatic."""
    return -1 if share is None else round(share * 100)


def _spin(low: int, high: int, value: int, tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setToolTip(tip)
    spin.setGroupSeparatorShown(False)
    return spin


def field_problem(name: str, problem: str) -> str:
    """``problem`` said of the field ``name``, the name once: "Epochs: too many", and
    "Learning rate must be a number" for "learning rate must be a number" ("" stays "")."""
    if not problem:
        return ""
    if not problem.lower().startswith(name.lower()):
        return f"{name}: {problem}"
    rest = problem[len(name):]
    return f"{name}:{rest[1:]}" if rest.startswith(":") else f"{name}{rest}"


def _flag(widget: QWidget, problem: str) -> None:
    """Mark ``widget`` invalid (red border, tooltip with the problem) or valid again."""
    if widget.property("usualTip") is None:
        widget.setProperty("usualTip", widget.toolTip())
    widget.setProperty("invalid", bool(problem))
    widget.setToolTip(problem or widget.property("usualTip"))
    widget.style().unpolish(widget)
    widget.style().polish(widget)
