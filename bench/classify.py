"""Benchmark the event classifier: accuracy on texts it never trained on, per-text latency, training time.

    .venv/bin/python bench/classify.py            # held-out + blind figures, latency, training time
    .venv/bin/python bench/classify.py --cv       # also 4-fold cross-validation over the hand-written rows
    .venv/bin/python bench/classify.py --json     # machine-readable

Nothing is written to var/: every model here is fitted in memory. Targets (docs/classifier.md):
top-1 大类 ≥ 90 %, top-3 小类 ≥ 85 % on held-out text, ≤ 20 ms per text.
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.settings")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="add 4-fold cross-validation (4 more fits)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    import django

    django.setup()
    from linli.events import classifier

    out: dict = {}

    started = time.perf_counter()
    production = classifier.fit(classifier.committed_samples())
    out["train_seconds_all_data"] = round(time.perf_counter() - started, 2)
    out["train_samples_all_data"] = len(classifier.committed_samples())

    out.update(classifier.evaluate(cv=args.cv))

    # Latency: one suggest() call per text, as the API makes it, on the held-out model's inputs.
    model = classifier.fit(classifier.committed_samples(holdout=0, blind=False))
    sets = classifier.evaluation_samples(0)
    texts = [s.text for s in sets["heldout"] + sets["blind"] + sets["none"]]
    for text in texts[:20]:
        model.suggest(text, 3)
    timings = []
    for text in texts:
        t = time.perf_counter()
        model.suggest(text, 3)
        timings.append((time.perf_counter() - t) * 1000)
    long_text = "，".join(texts)[:1000]
    t = time.perf_counter()
    model.suggest(long_text, 3)
    out["latency_ms"] = {
        "n": len(timings),
        "p50": round(statistics.median(timings), 2),
        "p95": round(percentile(timings, 95), 2),
        "p99": round(percentile(timings, 99), 2),
        "max": round(max(timings), 2),
        "longest_1000_chars": round((time.perf_counter() - t) * 1000, 2),
    }
    out["model_features"] = int(production.svm.coef_.shape[1])

    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return
    print(f"training on all committed data: {out['train_samples_all_data']} samples, {out['train_seconds_all_data']} s")
    print(f"features: {out['model_features']}, classes: {len(production.codes)} (+ none)")
    for name, figures in out["sets"].items():
        print(
            f"{name:8s} n={figures['n']:5d}  top-1 大类 {figures['top1_category']:.1%}  "
            f"top-1 小类 {figures['top1_sub']:.1%}  top-3 小类 {figures['top3_sub']:.1%}"
            + (f"  mean conf {figures['mean_confidence']:.2f}  ECE {figures['ece']:.3f}" if "ece" in figures else "")
        )
    if "offtopic" in out:
        o = out["offtopic"]
        print(
            f"offtopic n={o['n']:5d}  top confidence mean {o['mean_top_confidence']:.2f}  max {o['max_top_confidence']:.2f}"
        )
    lat = out["latency_ms"]
    print(
        f"latency per text over {lat['n']} texts: p50 {lat['p50']} ms, p95 {lat['p95']} ms, p99 {lat['p99']} ms, "
        f"max {lat['max']} ms; a 1,000-character text {lat['longest_1000_chars']} ms"
    )


if __name__ == "__main__":
    main()
