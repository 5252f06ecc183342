"""``charrec predict`` and ``info``: reading images with a model, and describing files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from model.imagefolders import read_image
from model.modelfile import ModelFileError
from model.preprocess import EmptyGlyphError, ImageError
from model.recognition import Recognition
from model.samples import SampleSet, SampleSetError

from .cli_common import (
    CliError,
    add_json,
    add_model,
    add_reject_threshold,
    error_line,
    load_classifier,
    print_damaged,
    print_json,
    print_rows,
)
from .text import one_line, percent, plural


def add_predict(commands) -> None:
    p = commands.add_parser("predict", help="recognise the character in each image",
                            description="Print the most probable labels of each image.")
    p.add_argument("images", nargs="+", metavar="IMAGE", help="image file")
    add_model(p)
    p.add_argument("--top", type=int, default=3, metavar="K",
                   help="show the K most probable labels (default 3)")
    p.add_argument("--split", action="store_true",
                   help="read each image as a string of several characters")
    add_reject_threshold(p)
    add_json(p)
    p.set_defaults(run=run_predict)


def run_predict(args) -> int:
    if args.top < 1:
        raise CliError(f"--top must be at least 1, got {args.top}")
    path, classifier = load_classifier(args.model)
    results, failed = [], 0
    for image_path in args.images:
        try:
            image, damage = read_image(image_path)
            if damage is not None:
                print_damaged([(image_path, damage)])
            recognition = classifier.recognize(image, args.top, True, args.reject_threshold)
            results.append({"image": image_path, **_result_json(recognition, args.split)})
            if not args.split and recognition.reading is not None:
                print(f"note: {one_line(image_path)} looks like "
                      f"{len(recognition.glyphs)} characters; --split reads them as text",
                      file=sys.stderr)
        except (ImageError, EmptyGlyphError, OSError) as exc:
            failed += 1
            results.append({"image": image_path, "error": error_line(exc)})
            print(f"error: {one_line(image_path)}: {error_line(exc)}", file=sys.stderr)
    if args.json:
        print_json({"model": str(path), "predictions": results})
    else:
        for result in filter(lambda r: "error" not in r, results):
            print(_prediction_text(result))
    return 1 if failed else 0


def _result_json(recognition: Recognition, as_line: bool) -> dict[str, Any]:
    """One image's prediction: its best labels, or with ``as_line`` the text and its glyphs."""
    if not as_line:
        return {"label": recognition.label, "probability": recognition.probability,
                "known": recognition.known, "top": _ranked_json(recognition.top)}
    if recognition.text is None:
        raise EmptyGlyphError("the image holds no characters")
    return {"text": recognition.text,
            "glyphs": [{"box": list(g.box), "label": g.label, "probability": g.top[0][1],
                        "known": g.known, "top": _ranked_json(g.top)}
                       for g in recognition.glyphs]}


def _ranked_json(ranked: list[tuple[str, float]]) -> list[dict[str, Any]]:
    return [{"label": label, "probability": p} for label, p in ranked]


def _prediction_text(result: dict[str, Any]) -> str:
    def ranked(entry: dict[str, Any]) -> str:
        return "  ".join(f"{r['label']} {percent(r['probability'], 1)}" for r in entry["top"])

    if "text" in result:
        return f"{one_line(result['image'])}: {one_line(result['text'])}   (" + " | ".join(
            ranked(g) for g in result["glyphs"]) + ")"
    if not result["known"]:  # not one of the model's labels: only the closest ones
        return f"{one_line(result['image'])}: ?  closest: {ranked(result)}"
    return f"{one_line(result['image'])}: {ranked(result)}"


def add_info(commands) -> None:
    p = commands.add_parser("info", help="describe a model or sample-set file",
                            description="Type, architecture, classes, input size and training "
                            "history of a model (default: the built-in model), or the labels "
                            "of a sample-set file.")
    p.add_argument("path", nargs="?", metavar="PATH",
                   help="model file, built-in model name or sample-set file")
    add_json(p)
    p.set_defaults(run=run_info)


def run_info(args) -> int:
    try:
        path, classifier = load_classifier(args.path)
    except ModelFileError:
        samples = _sample_set_or_none(args.path)
        if samples is None:
            raise
        return _sample_set_info(samples, args.json)
    info = {"path": str(path), **classifier.describe()}
    if args.json:
        return print_json(info)
    print(f"{one_line(info['name'])} ({one_line(str(path))})")
    print(f"  network     {info['summary']}")
    if len(info["layers"]) > 1:
        print("\n".join(f"  {'layers' if i == 0 else '':12s}{layer}"
                        for i, layer in enumerate(info["layers"])))
    print(f"  input       {info['input_size'][0]}x{info['input_size'][1]} pixels "
          f"({', '.join(f'{k} {v}' for k, v in info['preprocess'].items())})")
    print(f"  classes     {info['n_classes']}: {' '.join(info['classes'])}")
    print(f"  created     {info['created']}")
    trained = f"  trained     {plural(info['epochs_trained'], 'epoch')}"
    if info["epochs_trained"]:
        trained += (f", final loss {info['final_loss']:.4f}, "
                    f"training accuracy {info['final_accuracy']:.1%}")
    if "best_val_accuracy" in info:
        trained += f", best validation accuracy {info['best_val_accuracy']:.1%}"
    print(trained)
    rejects = (f"below similarity {info['reject_threshold']:.3f}"
               if info["reject_threshold"] else "nothing (no reject option)")
    if info["reject_threshold"] and info["background_output"]:
        rejects += ", and what its 'none of these' output takes"
    print(f"  rejects     {rejects}")
    last = info.get("training", {})
    if "n_samples" in last:
        print(f"  last run    {plural(last['n_samples'], 'sample')}, "
              f"{plural(last.get('epochs_run', 0), 'epoch')} "
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
        return print_json({"path": str(samples.path), "kind": "samples", "n": len(samples),
                            "counts": counts})
    print(f"{one_line(str(samples.path))}: sample set, {plural(len(samples), 'sample')}, "
          f"{plural(len(counts), 'label')}")
    print_rows(counts.items())
    return 0
