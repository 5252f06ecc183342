"""charrec's command line: import, train, evaluate, predict and info. Never imports Qt.

Every failure ends in one line on stderr that starts with ``error:`` and a non-zero exit code;
``--json`` prints exactly one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import inspect
import json
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from model.builtin import default_model_path, resolve_model
from model.classifier import Classifier
from model.fit import ModelSettings, evaluate_classifier, fit_classifier
from model.imagefolders import import_images, load_dataset
from model.modelfile import ModelFileError, load_model, save_model
from model.network import ACTIVATIONS
from model.networks import NETWORK_TYPES
from model.optim import OPTIMIZERS
from model.preprocess import EmptyGlyphError, ImageError, load_image
from model.reading import read_line
from model.samples import SampleSet, SampleSetError
from model.train import CancelToken, Progress, TrainingConfig, TrainingError

PROG = "charrec"
NO_MODEL = ("no model given and no built-in model is installed; train one with 'charrec train' "
            "or pass --model")
EXIT_CANCELLED = 130
MAX_CONFUSION_COLUMNS = 20


class CliError(Exception):
    """A user error: printed as one ``error:`` line, then exit with ``exit_code``."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


KNOWN_ERRORS = (CliError, SampleSetError, ModelFileError, TrainingError, ImageError,
                EmptyGlyphError, OSError)


class Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one-line CliErrors instead of usage + exit."""

    def error(self, message: str):
        raise CliError(f"{message} (see '{self.prog} --help')", exit_code=2)


def main(argv: list[str] | None = None) -> int:
    """Run one command; return the exit code. Errors never show a traceback."""
    try:
        args = build_parser().parse_args(argv)
        return args.run(args)
    except KNOWN_ERRORS as exc:
        return _fail(_one_line(exc), getattr(exc, "exit_code", 1))
    except KeyboardInterrupt:
        return _fail("interrupted", EXIT_CANCELLED)
    except Exception as exc:  # last resort: still one line, never a traceback
        return _fail(f"unexpected {type(exc).__name__}: {_one_line(exc)}", 1)


def build_parser() -> Parser:
    parser = Parser(prog=PROG, description="Recognise drawn or scanned characters with a "
                    "backpropagation network; without a command, open the desktop app.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_import(commands)
    _add_train(commands)
    _add_evaluate(commands)
    _add_predict(commands)
    _add_info(commands)
    return parser


# --- import ------------------------------------------------------------------------------------

def _add_import(commands) -> None:
    p = commands.add_parser("import", help="add image folders or files to a sample-set file",
                            description="Add images to a sample-set file (created if missing). "
                            "A folder is read as ROOT/<label>/<images>; an optional "
                            "ROOT/labels.json maps folder names to labels.")
    p.add_argument("sources", nargs="+", metavar="SRC", help="image folder or image file")
    p.add_argument("--out", required=True, metavar="SAMPLES.h5", help="sample-set file")
    p.add_argument("--label", help="label of single image files (required for them)")
    _add_json(p)
    p.set_defaults(run=run_import)


def run_import(args) -> int:
    samples = SampleSet(args.out)
    report = import_images(args.sources, samples, args.label)
    if not report.added:
        first = f" ({report.skipped[0][0]}: {report.skipped[0][1]})" if report.skipped else ""
        raise CliError(f"no images were imported; {len(report.skipped)} skipped{first}")
    if args.json:
        return _print_json({"out": str(samples.path), "added": report.added,
                            "total": len(samples), "skipped": _skipped_json(report.skipped)})
    print(f"added {sum(report.added.values())} samples to {samples.path} "
          f"(now {len(samples)}):")
    _print_rows(report.added.items())
    _print_skipped(report.skipped)
    return 0


# --- train -------------------------------------------------------------------------------------

def _add_train(commands) -> None:
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
    arch.add_argument("--hidden", type=_sizes, metavar="N[,N...]",
                      help="hidden layer sizes; a recurrent network uses the first "
                      f"(default {','.join(map(str, defaults.hidden))})")
    arch.add_argument("--activation", choices=list(ACTIVATIONS),
                      help="hidden nonlinearity (default relu for static, tanh for recurrent)")
    arch.add_argument("--max-iter", type=int, metavar="N",
                      help=f"recurrent: most relaxation steps (default {defaults.max_iter})")
    arch.add_argument("--tol", type=float, metavar="X",
                      help=f"recurrent: relaxation tolerance (default {defaults.tol:g})")
    p.add_argument("--optimizer", choices=list(OPTIMIZERS),
                   help=f"optimiser (default {config.optimizer})")
    p.add_argument("--lr", type=float, metavar="X", help="learning rate (default "
                   + ", ".join(f"{_default_lr(name):g} for {name}" for name in OPTIMIZERS) + ")")
    p.add_argument("--epochs", type=int, metavar="N", help=f"epochs (default {config.epochs})")
    p.add_argument("--batch-size", type=int, metavar="B",
                   help=f"mini-batch size (default {config.batch_size})")
    p.add_argument("--val", type=float, metavar="SHARE", help="share of the samples held out "
                   f"to pick the best epoch, in [0, 1) (default {config.validation_split:g})")
    p.add_argument("--augment", action=argparse.BooleanOptionalAction,
                   help="randomly distort training images (default on)")
    p.add_argument("--seed", type=int, help=f"random seed (default {config.seed})")
    p.add_argument("--init", metavar="MODEL", help="continue training this model (path or "
                   "built-in name); new labels get new outputs")
    p.add_argument("--name", help="model name (default: the --out file name)")
    _add_json(p)
    p.set_defaults(run=run_train)


def run_train(args) -> int:
    settings, config = _training_settings(args)
    out = _writable(Path(args.out))
    if out.is_file() and Path(args.data).is_file() and out.samefile(args.data):
        raise CliError(f"--out {out} is the sample set being trained on; saving the model "
                       "there would replace the samples, so choose another file name")
    init = load_model(resolve_model(args.init)) if args.init else None
    data = load_dataset(args.data)
    printer = ProgressPrinter(sys.stderr, sys.stderr.isatty())
    with _ctrl_c_cancels() as cancel:
        classifier, result = fit_classifier(
            data.images, data.labels, settings, config, init=init,
            name=args.name or (init.name if init else out.stem), progress=printer, cancel=cancel)
    printer.finish()
    if result.stopped == "cancelled":
        raise CliError(f"training cancelled after {result.epochs_run} of {config.epochs} epochs; "
                       "nothing was saved", EXIT_CANCELLED)
    save_model(classifier, out)
    history = classifier.history
    best = result.best_epoch
    val_accuracy = (history.val_accuracy[best - 1]
                    if best is not None and len(history.val_accuracy) >= best else None)
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
        "skipped": _skipped_json(data.skipped),
    }
    if args.json:
        return _print_json(report)
    print(f"trained {report['summary']} on {report['n_samples']} samples "
          f"({len(classifier.labels)} classes) in {result.seconds:.1f} s "
          f"({result.samples_per_second:.0f} samples/s)")
    val = ("" if val_accuracy is None
           else f", validation accuracy {val_accuracy:.1%} (epoch {best})")
    print(f"{result.epochs_run} epochs ({result.stopped}): final loss {report['loss']:.4f}, "
          f"training accuracy {report['accuracy']:.1%}{val}")
    _print_skipped(data.skipped)
    print(f"saved {out}")
    return 0


def _training_settings(args) -> tuple[ModelSettings, TrainingConfig]:
    architecture = {"network_type": args.type, "hidden": args.hidden,
                    "activation": args.activation, "max_iter": args.max_iter, "tol": args.tol}
    given = {key: value for key, value in architecture.items() if value is not None}
    if args.init and given:
        flags = ", ".join("--" + key.replace("network_", "").replace("_", "-") for key in given)
        raise CliError(f"{flags} cannot be combined with --init (the model keeps its network)")
    if args.augment is not None:
        given["augment"] = args.augment
    training = {"optimizer": args.optimizer, "learning_rate": args.lr, "epochs": args.epochs,
                "batch_size": args.batch_size, "validation_split": args.val, "seed": args.seed}
    training = {key: value for key, value in training.items() if value is not None}
    if "learning_rate" not in training and args.optimizer in OPTIMIZERS:
        training["learning_rate"] = _default_lr(args.optimizer)
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


def _default_lr(optimizer: str) -> float:
    """The optimiser's own default learning rate (Adam 1e-3, SGD 0.05)."""
    return inspect.signature(OPTIMIZERS[optimizer]).parameters["learning_rate"].default


def _sizes(text: str) -> tuple[int, ...]:
    """argparse type of --hidden: "256,128" -> (256, 128); "" -> () (no hidden layer)."""
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"hidden sizes must be comma-separated whole numbers like 256,128, got {text!r}"
        ) from None
    return sizes


def _writable(out: Path) -> Path:
    """Check before training that a model can be saved at ``out``."""
    if out.is_dir():
        raise CliError(f"{out} is a folder; --out needs a file name such as model.h5")
    if not out.parent.is_dir():
        raise CliError(f"cannot save to {out}: the folder {out.parent} does not exist")
    return out


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
    """Training progress on ``stream``: a live bar on a terminal, else one line per epoch.

    Parameters
    ----------
    stream : text stream
    live : bool
        Redraw a carriage-return line at most ``REFRESH`` times a second; finished epochs stay
        as lines.
    """

    REFRESH = 10
    BAR = 20

    def __init__(self, stream: TextIO, live: bool):
        self.stream, self.live = stream, live
        self.start = time.perf_counter()
        self._shown = 0.0
        self._width = 0

    def __call__(self, p: Progress) -> None:
        now = time.perf_counter()
        if not p.epoch_done and (not self.live or now - self._shown < 1 / self.REFRESH):
            return
        self._shown = now
        line = self.format(p, now - self.start)
        if self.live:
            self.stream.write("\r" + line.ljust(self._width) + ("\n" if p.epoch_done else ""))
            self._width = 0 if p.epoch_done else len(line)
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def finish(self) -> None:
        """End a half-drawn bar line (after a cancelled run)."""
        if self._width:
            self.stream.write("\n")
            self.stream.flush()
            self._width = 0

    def format(self, p: Progress, elapsed: float) -> str:
        fraction = p.fraction
        eta = elapsed * (1 - fraction) / fraction if fraction > 0 else 0.0
        parts = [f"epoch {p.epoch}/{p.epochs}"]
        if not p.epoch_done:
            filled = int(self.BAR * p.batch / p.batches)
            parts.append(f"[{'#' * filled}{'-' * (self.BAR - filled)}] {p.batch}/{p.batches}")
        parts += [f"loss {p.loss:.4f}", f"acc {p.accuracy:.1%}"]
        if p.val_accuracy is not None:
            parts.append(f"val acc {p.val_accuracy:.1%}")
        parts += [f"{p.samples_per_second:.0f} samples/s", f"ETA {_duration(eta)}"]
        return "  ".join(parts)


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}:{seconds:02d}"


# --- evaluate ----------------------------------------------------------------------------------

def _add_evaluate(commands) -> None:
    p = commands.add_parser("evaluate", help="accuracy of a model on labelled images",
                            description="Accuracy, per-class accuracy and confusion matrix of a "
                            "model on DATA (image folder or sample-set file). Samples with "
                            "labels the model does not know count as errors.")
    p.add_argument("data", metavar="DATA", help="image folder or sample-set file")
    _add_model(p)
    _add_json(p)
    p.set_defaults(run=run_evaluate)


def run_evaluate(args) -> int:
    path, classifier = _load_classifier(args.model)
    data = load_dataset(args.data)
    scores = evaluate_classifier(classifier, data.images, data.labels)
    if args.json:
        return _print_json({**scores, "model": str(path),
                            "skipped": _skipped_json(data.skipped)})
    print(f"accuracy {scores['accuracy']:.2%} on {scores['n']} samples (model {path})")
    counts = [sum(row) for row in scores["confusion"]]
    _print_rows([(label, f"{counts[i]:>6}  {scores['per_class'][label]:7.1%}")
                 for i, label in enumerate(scores["classes"]) if label in scores["per_class"]],
                header=("label", "     n  accuracy"))
    if scores["unknown_labels"]:
        print("labels the model does not know (counted as errors): "
              + " ".join(scores["unknown_labels"]))
    _print_confusion(scores["classes"], scores["confusion"])
    _print_skipped(data.skipped)
    return 0


def _print_confusion(classes: list[str], confusion: list[list[int]]) -> None:
    if len(classes) > MAX_CONFUSION_COLUMNS:
        print(f"(confusion matrix of {len(classes)} classes: see --json)")
        return
    width = max(4, *(len(label) + 1 for label in classes), len(str(max(map(max, confusion)))) + 1)
    print("confusion matrix (rows: true label, columns: predicted):")
    print(" " * width + "".join(label.rjust(width) for label in classes))
    for label, row in zip(classes, confusion, strict=True):
        print(label.rjust(width) + "".join(str(v).rjust(width) for v in row))


# --- predict -----------------------------------------------------------------------------------

def _add_predict(commands) -> None:
    p = commands.add_parser("predict", help="recognise the character in each image",
                            description="Print the most probable labels of each image.")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image file")
    _add_model(p)
    p.add_argument("--top", type=int, default=3, metavar="K",
                   help="show the K most probable labels (default 3)")
    p.add_argument("--split", action="store_true",
                   help="read each image as a string of several characters")
    _add_json(p)
    p.set_defaults(run=run_predict)


def run_predict(args) -> int:
    if args.top < 1:
        raise CliError(f"--top must be at least 1, got {args.top}")
    path, classifier = _load_classifier(args.model)
    read = _read_string if args.split else _read_glyph
    results, failed = [], 0
    for image_path in args.images:
        try:
            results.append({"image": image_path, **read(classifier, image_path, args.top)})
        except (ImageError, EmptyGlyphError, OSError) as exc:
            failed += 1
            results.append({"image": image_path, "error": _one_line(exc)})
            print(f"error: {image_path}: {_one_line(exc)}", file=sys.stderr)
    if args.json:
        _print_json({"model": str(path), "predictions": results})
    else:
        for result in filter(lambda r: "error" not in r, results):
            print(_prediction_text(result))
    return 1 if failed else 0


def _read_glyph(classifier: Classifier, image_path: str, k: int) -> dict[str, Any]:
    ranked = classifier.top(classifier.predict_image(load_image(image_path)), k)
    return {"label": ranked[0][0], "probability": ranked[0][1], "top": _ranked_json(ranked)}


def _read_string(classifier: Classifier, image_path: str, k: int) -> dict[str, Any]:
    reading = read_line(classifier, load_image(image_path), k)
    return {"text": reading.text,
            "glyphs": [{"box": list(g.box), "label": g.label, "probability": g.top[0][1],
                        "top": _ranked_json(g.top)} for g in reading.glyphs]}


def _ranked_json(ranked: list[tuple[str, float]]) -> list[dict[str, Any]]:
    return [{"label": label, "probability": p} for label, p in ranked]


def _prediction_text(result: dict[str, Any]) -> str:
    def ranked(entry: dict[str, Any]) -> str:
        return "  ".join(f"{r['label']} {r['probability']:.1%}" for r in entry["top"])

    if "text" in result:
        return f"{result['image']}: {result['text']}   (" + " | ".join(
            ranked(g) for g in result["glyphs"]) + ")"
    return f"{result['image']}: {ranked(result)}"


# --- info --------------------------------------------------------------------------------------

def _add_info(commands) -> None:
    p = commands.add_parser("info", help="describe a model or sample-set file",
                            description="Type, architecture, classes, input size and training "
                            "history of a model (default: the built-in model), or the labels "
                            "of a sample-set file.")
    p.add_argument("path", nargs="?", metavar="PATH",
                   help="model file, built-in model name or sample-set file")
    _add_json(p)
    p.set_defaults(run=run_info)


def run_info(args) -> int:
    try:
        path, classifier = _load_classifier(args.path)
    except ModelFileError:
        samples = _sample_set_or_none(args.path)
        if samples is None:
            raise
        return _sample_set_info(samples, args.json)
    info = {"path": str(path), **classifier.describe()}
    if args.json:
        return _print_json(info)
    print(f"{info['name']} ({path})")
    print(f"  network     {info['summary']}")
    print(f"  input       {info['input_size'][0]}x{info['input_size'][1]} pixels "
          f"({', '.join(f'{k} {v}' for k, v in info['preprocess'].items())})")
    print(f"  classes     {info['n_classes']}: {' '.join(info['classes'])}")
    print(f"  created     {info['created']}")
    trained = f"  trained     {info['epochs_trained']} epochs"
    if info["epochs_trained"]:
        trained += (f", final loss {info['final_loss']:.4f}, "
                    f"training accuracy {info['final_accuracy']:.1%}")
    if "best_val_accuracy" in info:
        trained += f", best validation accuracy {info['best_val_accuracy']:.1%}"
    print(trained)
    last = info.get("training", {})
    if "n_samples" in last:
        print(f"  last run    {last['n_samples']} samples, {last.get('epochs_run')} epochs "
              f"({last.get('stopped')}), {last.get('seconds')} s")
    return 0


def _sample_set_or_none(path: str | None) -> SampleSet | None:
    if path is None or not Path(path).is_file():
        return None
    try:
        return SampleSet(path)
    except SampleSetError:
        return None


def _sample_set_info(samples: SampleSet, as_json: bool) -> int:
    counts = samples.counts()
    if as_json:
        return _print_json({"path": str(samples.path), "kind": "samples", "n": len(samples),
                            "counts": counts})
    print(f"{samples.path}: sample set, {len(samples)} samples, {len(counts)} labels")
    _print_rows(counts.items())
    return 0


# --- shared ------------------------------------------------------------------------------------

def _add_model(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", metavar="PATH", help="model file or built-in model name "
                        "(default: the built-in digits model)")


def _add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _load_classifier(name_or_path: str | None) -> tuple[Path, Classifier]:
    path = resolve_model(name_or_path) if name_or_path else default_model_path()
    if path is None:
        raise CliError(NO_MODEL)
    return path, load_model(path)


def _print_json(data: dict[str, Any]) -> int:
    print(json.dumps(data, ensure_ascii=False))
    return 0


def _print_rows(rows, header: tuple[str, str] | None = None) -> None:
    rows = [(str(label), str(value)) for label, value in rows]
    width = max([len(label) for label, _ in rows] + [len(header[0]) if header else 0])
    for label, value in ([header] if header else []) + rows:
        print(f"  {label.ljust(width)}  {value}")


def _print_skipped(skipped: list[tuple[str, str]]) -> None:
    if skipped:
        print(f"skipped {len(skipped)}:")
        for path, reason in skipped:
            print(f"  {path}: {reason}")


def _skipped_json(skipped: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"path": path, "reason": reason} for path, reason in skipped]


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _fail(message: str, exit_code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return exit_code
