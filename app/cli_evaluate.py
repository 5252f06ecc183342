"""``charrec evaluate``: how a model does on labelled images."""

from __future__ import annotations

from model.evaluation import evaluate_classifier
from model.validation import accuracy_text, enough

from .cli_common import (
    add_json,
    add_model,
    add_reject_threshold,
    load_classifier,
    load_samples,
    print_damaged,
    print_json,
    print_rows,
    print_skipped,
    skipped_json,
)
from .text import one_line, plural

MAX_CONFUSION_COLUMNS = 20
EVALUATED = "evaluated"  # the samples evaluate's accuracy figures are measured on


def add_evaluate(commands) -> None:
    p = commands.add_parser("evaluate", help="accuracy of a model on labelled images",
                            description="Accuracy, per-class accuracy and confusion matrix of a "
                            "model on DATA (image folder or sample-set file). Samples with "
                            "labels the model does not know count as errors.")
    p.add_argument("data", metavar="DATA", help="image folder or sample-set file")
    add_model(p)
    add_reject_threshold(p)
    add_json(p)
    p.set_defaults(run=run_evaluate)


def run_evaluate(args) -> int:
    path, classifier = load_classifier(args.model)
    data = load_samples(args.data, "evaluate")
    scores = evaluate_classifier(classifier, data.images, data.labels, args.reject_threshold)
    if args.json:
        return print_json({**scores.to_dict(), "model": str(path),
                           "skipped": skipped_json(data.skipped)})
    n, counts = scores.n, scores.counts
    known = round(scores.known_rate * n)
    print(f"model {one_line(str(path))}")
    print(f"accuracy: {accuracy_text(scores.accuracy, n, EVALUATED)}")
    print(f"known: {known} of {plural(n, 'sample')}"
          + (f" ({scores.known_rate:.1%})" if enough(n) else "")
          + " taken for one of the model's labels")
    print(f"known and right: {accuracy_text(scores.known_right, n, EVALUATED)}")
    print_rows([(label, f"{counts[i]:>6}  "
                 + accuracy_text(scores.per_class[label], counts[i], EVALUATED))
                for i, label in enumerate(scores.classes) if label in scores.per_class],
               header=("label", "     n  accuracy"))
    if scores.unknown_labels:
        print("labels the model does not know (counted as errors): "
              + " ".join(scores.unknown_labels))
    _print_confusion(scores.classes, scores.confusion.tolist())
    print_skipped(data.skipped)
    print_damaged(data.damaged)
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
