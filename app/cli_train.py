"""``charrec import`` and ``train``: building sample sets and models from images."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import signal
import sys
import time
from collections.abc import Iterator
from typing import TextIO

from model.builtin import resolve_model
from model.fileformat import MODEL_FORMAT, SAMPLES_FORMAT
from model.fit import (
    CONV_ADVICE,
    ModelSettings,
    fit_and_validate,
    forgetting_note,
    forgotten_labels,
)
from model.imagefolders import import_images
from model.labels import has_control_characters
from model.modelfile import load_model, save_model
from model.network import ACTIVATIONS
from model.networks import DEFAULT_ACTIVATIONS, NETWORK_TYPES
from model.optim import DEFAULT_LEARNING_RATES, OPTIMIZERS
from model.progress import CancelToken, Progress
from model.samples import SampleSet, SampleSetError
from model.train import MIN_EPOCHS, MIN_STEPS, TrainingConfig
from model.validation import HOLD_OUT_SHARE, MIN_HELD_OUT, accuracy_text, enough

from .cli_common import (
    CliError,
    add_json,
    error_line,
    load_samples,
    output_path,
    print_damaged,
    print_json,
    print_rows,
    print_skipped,
    skipped_json,
    skipped_note,
)
from .exits import EXIT_CANCELLED, INTERRUPTED
from .text import TimeLeft, one_line, plural, sizes_text


def add_import(commands) -> None:
    p = commands.add_parser("import", help="add image folders or files to a sample-set file",
                            description="Add images to a sample-set file (created if missing). "
                            "A folder is read as ROOT/<label>/<images>; an optional "
                            "ROOT/labels.json maps folder names to labels.")
    p.add_argument("sources", nargs="+", metavar="SRC", help="image folder or image file")
    p.add_argument("--out", required=True, metavar="SAMPLES.h5", help="sample-set file")
    p.add_argument("--label", help="label of single image files (required for them)")
    add_json(p)
    p.set_defaults(run=run_import)


def run_import(args) -> int:
    samples = SampleSet(output_path(args.out, SAMPLES_FORMAT),
                        on_wait=lambda message: print(f"{one_line(message)}...", file=sys.stderr,
                                                      flush=True))
    before = len(samples)
    try:
        report = import_images(args.sources, samples, args.label)
    except (KeyboardInterrupt, SampleSetError) as exc:
        reason = INTERRUPTED if isinstance(exc, KeyboardInterrupt) else error_line(exc)
        if len(samples) == before:
            raise
        raise CliError(f"{reason}; the {len(samples) - before} samples read before that were "
                       f"added to {samples.path} (now {len(samples)})",
                       EXIT_CANCELLED if isinstance(exc, KeyboardInterrupt) else 1) from None
    print_damaged(report.damaged)
    if not report.added:
        raise CliError(f"no images were imported; {skipped_note(report.skipped)}")
    if args.json:
        return print_json({"out": str(samples.path), "added": report.added,
                           "total": len(samples), "skipped": skipped_json(report.skipped)})
    print(f"added {plural(sum(report.added.values()), 'sample')} to "
          f"{one_line(str(samples.path))} "
          f"(now {len(samples)}):")
    print_rows(report.added.items())
    print_skipped(report.skipped)
    return 0


def add_train(commands) -> None:
    defaults, config = ModelSettings(), TrainingConfig()
    p = commands.add_parser("train", help="train a model on an image folder or sample set",
                            description="Train a model on DATA, an image folder "
                            "(ROOT/<label>/<images>) or a sample-set file, and save it. "
                            "Ctrl+C stops training and saves nothing.")
    p.add_argument("data", metavar="DATA", help="image folder or sample-set file")
    p.add_argument("--out", required=True, metavar="MODEL.h5", help="model file to write")
    arch = p.add_argument_group("network (not with --init, which keeps the model's)")
    arch.add_argument("--type", choices=list(NETWORK_TYPES),
                      help=f"network type (default {defaults.network_type})")
    dense, after_conv, recurrent = (sizes_text(dataclasses.replace(defaults, **kind).hidden_sizes)
                                    for kind in ({"conv": ()}, {"conv": (1,)},
                                                 {"network_type": "recurrent"}))
    arch.add_argument("--hidden", type=_sizes, metavar="N[,N...]",
                      help="hidden layer sizes; '' for none, a single-layer network (static "
                      f"only: a recurrent network has one; default {dense} for static, "
                      f"{after_conv} after conv blocks, {recurrent} for recurrent)")
    arch.add_argument("--conv", type=_sizes, metavar="C[,C...]",
                      help="static: conv blocks before the hidden layers, one per number (3x3 "
                      "'same' conv with C channels, ReLU, 2x2 max-pool); '' for none (default "
                      + (sizes_text(defaults.conv_blocks) or "none") + f"). {CONV_ADVICE}")
    arch.add_argument("--activation", choices=list(ACTIVATIONS),
                      help=f"hidden nonlinearity (default {_per_type(DEFAULT_ACTIVATIONS.get)})")
    arch.add_argument("--max-iter", type=int, metavar="N",
                      help=f"recurrent: most relaxation steps (default {defaults.max_iter})")
    arch.add_argument("--tol", type=float, metavar="X",
                      help=f"recurrent: relaxation tolerance (default {defaults.tol:g})")
    p.add_argument("--optimizer", choices=list(OPTIMIZERS),
                   help=f"optimiser (default {config.optimizer})")
    p.add_argument("--lr", type=float, metavar="X", help="learning rate (default "
                   + ", ".join(f"{DEFAULT_LEARNING_RATES[name]:g} for {name}"
                               for name in OPTIMIZERS) + ")")
    p.add_argument("--epochs", type=int, metavar="N", help="most epochs (default: from the "
                   f"data, enough for {MIN_STEPS} steps and at least {MIN_EPOCHS} epochs; "
                   "training stops early when the loss stops improving)")
    p.add_argument("--batch-size", type=int, metavar="B",
                   help=f"mini-batch size (default {config.batch_size})")
    p.add_argument("--val", type=float, metavar="SHARE", help="share of the samples held out "
                   "to pick the best epoch and estimate accuracy, in [0, 1) (default "
                   f"{HOLD_OUT_SHARE:g} when that is at least {MIN_HELD_OUT} samples, else 0)")
    p.add_argument("--max-seconds", type=float, metavar="S", help="stop training after S "
                   "seconds, keeping the model so far; 0: no limit "
                   f"(default {config.max_seconds:g})")
    p.add_argument("--augment", action=argparse.BooleanOptionalAction,
                   help="randomly distort training images (default on)")
    p.add_argument("--seed", type=int, help=f"random seed (default {config.seed})")
    p.add_argument("--init", metavar="MODEL", help="continue training this model (path or "
                   "built-in name); new labels get new outputs")
    p.add_argument("--name", type=_model_name, help="model name, without control characters "
                   "(default: the --init model's name, else the --out file name)")
    add_json(p)
    p.set_defaults(run=run_train)


def run_train(args) -> int:
    settings, config = _training_settings(args)
    out = output_path(args.out, MODEL_FORMAT)
    init = load_model(resolve_model(args.init)) if args.init else None
    data = load_samples(args.data, "train on")
    forgotten = forgotten_labels(init, data.labels) if init is not None else []
    if forgotten:
        print(f"warning: {one_line(forgetting_note(forgotten))}", file=sys.stderr)
    printer = ProgressPrinter(sys.stderr, sys.stderr.isatty())
    with _ctrl_c_cancels() as cancel:
        outcome = fit_and_validate(
            data.images, data.labels, settings, config, init=init,
            name=args.name or (init.name if init else out.stem), progress=printer, cancel=cancel)
    printer.finish()
    classifier, result = outcome.classifier, outcome.result
    if result.stopped == "cancelled":
        raise CliError(f"training cancelled after {result.epochs_run} epochs; nothing was saved",
                       EXIT_CANCELLED)
    save_model(classifier, out)
    history, best = classifier.history, result.best_epoch
    evaluation = outcome.evaluation
    val_accuracy = evaluation.accuracy if evaluation is not None else None
    val_n = evaluation.n if evaluation is not None else 0
    report = {
        "model": str(out),
        "summary": classifier.network.summary(),
        "classes": classifier.labels,
        "n_samples": len(data.labels),
        "epochs": result.epochs_run,
        "stopped": result.stopped,
        "best_epoch": best,
        "train_seconds": round(result.seconds, 3),
        "samples_per_second": round(result.samples_per_second, 1),
        "loss": history.loss[-1],
        "accuracy": history.accuracy[-1],
        "val_accuracy": val_accuracy,
        "val_samples": val_n,
        "val_enough": enough(val_n),
        "reject_threshold": classifier.reject_threshold,
        "skipped": skipped_json(data.skipped),
    }
    if args.json:
        return print_json(report)
    print(f"trained {report['summary']} on {plural(report['n_samples'], 'sample')} "
          f"({plural(len(classifier.labels), 'class', 'classes')}) in {result.seconds:.1f} s "
          f"({result.samples_per_second:.0f} samples/s)")
    print(f"{plural(result.epochs_run, 'epoch')} ({result.stopped}): final loss "
          f"{report['loss']:.4f}, training accuracy {report['accuracy']:.1%}")
    best_at = f" (best epoch {best})" if val_n else ""
    print(f"validation{best_at}: {accuracy_text(val_accuracy, val_n)}")
    print(f"reject threshold {classifier.reject_threshold:.3f} (calibrated on the training "
          "samples; change it with --reject-threshold when predicting)")
    print_skipped(data.skipped)
    print_damaged(data.damaged)
    print(f"saved {one_line(str(out))}")
    return 0


def _training_settings(args) -> tuple[ModelSettings, TrainingConfig]:
    architecture = {"network_type": args.type, "hidden": args.hidden, "conv": args.conv,
                    "activation": args.activation, "max_iter": args.max_iter, "tol": args.tol}
    given = {key: value for key, value in architecture.items() if value is not None}
    if args.init and given:
        raise CliError(f"{_flags(given)} cannot be combined with --init (the model keeps its "
                       "network)")
    relaxation = {key: given[key] for key in ("max_iter", "tol") if key in given}
    if relaxation and given.get("network_type", ModelSettings().network_type) != "recurrent":
        raise CliError(f"{_flags(relaxation)}: for recurrent networks only (how they relax to "
                       "their fixed point); add --type recurrent or leave it out")
    if args.augment is not None:
        given["augment"] = args.augment
    training = {"optimizer": args.optimizer, "learning_rate": args.lr, "epochs": args.epochs,
                "batch_size": args.batch_size, "validation_split": args.val, "seed": args.seed,
                "max_seconds": args.max_seconds}
    training = {key: value for key, value in training.items() if value is not None}
    if "learning_rate" not in training and args.optimizer in OPTIMIZERS:
        training["learning_rate"] = DEFAULT_LEARNING_RATES[args.optimizer]
    settings = dataclasses.replace(ModelSettings(), **given)
    config = dataclasses.replace(TrainingConfig(), **training)
    try:
        settings.validate()
        config.validate()
    except ValueError as exc:
        raise CliError(str(exc)) from None
    if config.seed < 0:  # numpy's random generators take only non-negative seeds
        raise CliError(f"the seed must be a whole number >= 0, got {config.seed}")
    return settings, config


def _flags(settings: dict[str, object]) -> str:
    """The options that set ``settings`` (keys of ModelSettings): "--type, --max-iter"."""
    return ", ".join("--" + key.replace("network_", "").replace("_", "-") for key in settings)


def _per_type(default) -> str:
    """``default(network_type)`` for every network type, as help text (once if they agree)."""
    values = {kind: default(kind) for kind in NETWORK_TYPES}
    if len(set(values.values())) == 1:
        return str(next(iter(values.values())))
    return ", ".join(f"{value} for {kind}" for kind, value in values.items())


def _model_name(text: str) -> str:
    """argparse type of --name: text without the characters no label may hold either."""
    if has_control_characters(text):
        raise argparse.ArgumentTypeError(
            f"a model name cannot hold control characters or line breaks, got {text!r}")
    return text


def _sizes(text: str) -> tuple[int, ...]:
    """argparse type of --hidden and --conv: "256,128" -> (256, 128); "" -> () (none); an
    empty item between commas ("8,,16") is an error, not skipped."""
    if not text.strip():
        return ()
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated whole numbers like 32,64, got {text!r}") from None


@contextlib.contextmanager
def _ctrl_c_cancels() -> Iterator[CancelToken]:
    """While inside, a first Ctrl+C cancels the token (a second one interrupts)."""
    token = CancelToken()

    def on_ctrl_c(signum, frame) -> None:
        token.cancel()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGINT, on_ctrl_c)
    try:
        yield token
    finally:
        signal.signal(signal.SIGINT, previous)


class ProgressPrinter:
    """Training progress on ``stream``: a live bar on a terminal, else a line now and then.

    Parameters
    ----------
    stream : text stream
    live : bool
        Redraw a carriage-return line at most ``REFRESH`` times a second; finished epochs stay
        as lines. Without it (a log file, a pipe), the line of the first epoch, then of an
        epoch at most every ``LOG_EVERY`` seconds, and of the last one (:meth:`finish`).
    """

    REFRESH = 10
    LOG_EVERY = 5.0
    BAR = 20

    def __init__(self, stream: TextIO, live: bool):
        self.stream, self.live = stream, live
        self._time_left = TimeLeft()
        self._shown = 0.0
        self._width = 0
        self._unshown: str | None = None  # the latest epoch's line, when it was not printed

    def __call__(self, p: Progress) -> None:
        now = time.perf_counter()
        left = self._time_left(now, p.fraction)
        if not p.epoch_done and (not self.live or now - self._shown < 1 / self.REFRESH):
            return
        line = self.format(p, left)
        if self.live:
            self._write("\r" + line.ljust(self._width) + ("\n" if p.epoch_done else ""))
            self._width = 0 if p.epoch_done else len(line)
        elif p.epoch == 1 or now - self._shown >= self.LOG_EVERY:
            self._write(line + "\n")
        else:
            self._unshown = line
            return
        self._shown = now

    def finish(self) -> None:
        """Print the last epoch's line if it was held back; end a half-drawn bar line (after a
        cancelled run)."""
        if self._unshown is not None:
            self._write(self._unshown + "\n")
        elif self._width:
            self._write("\n")
        self._width = 0

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
        self._unshown = None

    def format(self, p: Progress, left: str) -> str:
        parts = [f"epoch {p.epoch}/{p.epochs}"]
        if not p.epoch_done:
            filled = int(self.BAR * p.batch / p.batches)
            parts.append(f"[{'#' * filled}{'-' * (self.BAR - filled)}] {p.batch}/{p.batches}")
        parts += [f"loss {p.loss:.4f}", f"acc {p.accuracy:.1%}"]
        if p.val_accuracy is not None:
            parts.append(f"val acc {p.val_accuracy:.1%}")
        parts += [f"{p.samples_per_second:.0f} samples/s", left]
        return "  ".join(part for part in parts if part)
