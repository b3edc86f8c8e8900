#!/usr/bin/env python3
"""Trains the moderator's category classifier (config/moderation/category-model.json).

Input: the output of `realtime-server moderation-features FILE...` (one labelled line per row, with the
feature hashes the server computes), so training and serving share one feature definition.
Model: multinomial logistic regression (scikit-learn) over hashed features, each row scaled by 1/sqrt(n);
weights are quantised to 8 bits per class, which changes no probability by more than about 1e-3 here.

Usage (see docs/moderation.md):
  realtime-server moderation-features training/moderation/*.tsv > /tmp/train.features
  python3 scripts/train-moderation-model.py /tmp/train.features --out config/moderation/category-model.json
Needs numpy, scipy and scikit-learn (a venv: python3 -m venv v && v/bin/pip install numpy scipy scikit-learn).
"""
import argparse
import base64
import json
import sys

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

CLASSES = ["benign", "sexual_minor_risk", "threat", "self_harm", "harassment", "hate", "insult"]


def read(path, bits):
    """Rows of (label index, {bucket: value}); lines of other categories (spam, pii, profanity) are skipped."""
    mask = (1 << bits) - 1
    labels, rows, names = [], [], []
    with open(path, encoding="utf-8") as handle:
        for raw in handle:
            fields = raw.rstrip("\n").split("\t")
            if len(fields) != 5 or fields[1] not in CLASSES:
                continue
            hashes = [int(h) & mask for h in fields[4].split()] if fields[4] else []
            counts = {}
            for bucket in hashes:
                counts[bucket] = counts.get(bucket, 0) + 1
            scale = 1 / np.sqrt(len(hashes)) if hashes else 0.0
            rows.append({bucket: count * scale for bucket, count in counts.items()})
            labels.append(CLASSES.index(fields[1]))
            names.append(fields[0])
    return np.array(labels), rows, names


def matrix(rows, bits):
    indptr, indices, data = [0], [], []
    for row in rows:
        indices.extend(row.keys())
        data.extend(row.values())
        indptr.append(len(indices))
    return csr_matrix((data, indices, indptr), shape=(len(rows), 1 << bits), dtype=np.float64)


def fit(x, y, c):
    model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    model.fit(x, y)
    # A class absent from the data would leave a column out; the file always lists every class.
    weights = np.zeros((x.shape[1], len(CLASSES)))
    biases = np.full(len(CLASSES), -30.0)
    for column, label in enumerate(model.classes_):
        weights[:, label] = model.coef_[column]
        biases[label] = model.intercept_[column]
    return weights, biases


def quantise(weights):
    scales = np.maximum(np.abs(weights).max(axis=0), 1e-9) / 127
    return np.clip(np.rint(weights / scales), -127, 127).astype(np.int8), scales


def probabilities(x, quantised, scales, biases):
    logits = biases + (x @ quantised.astype(np.float64)) * scales
    logits -= logits.max(axis=1, keepdims=True)
    odds = np.exp(logits)
    return odds / odds.sum(axis=1, keepdims=True)


def report(title, y, p, threshold):
    """Flagged = some harmful class at or above `threshold`; per class, its recall."""
    harmful = p[:, 1:].max(axis=1) >= threshold
    positive = y != 0
    tp = int((harmful & positive).sum())
    precision = tp / max(int(harmful.sum()), 1)
    recall = tp / max(int(positive.sum()), 1)
    fp = int((harmful & ~positive).sum()) / max(int((~positive).sum()), 1)
    print(f"{title}: precision {precision:.3f} recall {recall:.3f} benign FP {fp:.3f} (threshold {threshold})")
    for label in range(1, len(CLASSES)):
        mine = y == label
        if mine.any():
            caught = int((harmful & mine).sum())
            print(f"  {CLASSES[label]:<18} {caught}/{int(mine.sum())}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("features", help="moderation-features output for the training lines")
    parser.add_argument("--out", help="where to write the model (JSON); omit to only evaluate")
    parser.add_argument("--bucket-bits", type=int, default=17)
    parser.add_argument("--c", type=float, default=8.0, help="inverse regularisation strength")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds reported (0: none)")
    parser.add_argument("--threshold", type=float, default=0.5, help="the flag threshold the report uses")
    parser.add_argument("--validate", action="append", default=[], help="more feature files to report on")
    args = parser.parse_args()

    y, rows, names = read(args.features, args.bucket_bits)
    x = matrix(rows, args.bucket_bits)
    print(f"{len(y)} lines: " + ", ".join(f"{name} {int((y == i).sum())}" for i, name in enumerate(CLASSES)))
    if args.folds > 1:
        p = np.zeros((len(y), len(CLASSES)))
        for train, test in StratifiedKFold(args.folds, shuffle=True, random_state=7).split(x, y):
            weights, biases = fit(x[train], y[train], args.c)
            quantised, scales = quantise(weights)
            p[test] = probabilities(x[test], quantised, scales, biases)
        report(f"{args.folds}-fold cross-validation", y, p, args.threshold)

    weights, biases = fit(x, y, args.c)
    quantised, scales = quantise(weights)
    for path in args.validate:
        vy, vrows, _ = read(path, args.bucket_bits)
        report(path, vy, probabilities(matrix(vrows, args.bucket_bits), quantised, scales, biases), args.threshold)
    if args.out:
        # A line of each class with the probabilities computed here: the server's tests recompute them from the
        # training files, which proves that serving reads the same features and weights as training did.
        x_all = matrix(rows, args.bucket_bits)
        p_all = probabilities(x_all, quantised, scales, biases)
        checks = []
        for label in range(len(CLASSES)):
            first = int(np.argmax(y == label))
            checks.append({"line": names[first], "probabilities": [round(float(v), 9) for v in p_all[first]]})
        model = {
            "format": "hashed-ngram-softmax/1",
            "trained": f"scripts/train-moderation-model.py, {len(y)} lines, C={args.c}",
            "classes": CLASSES,
            "bucket_bits": args.bucket_bits,
            "biases": [round(float(b), 6) for b in biases],
            "scales": [float(s) for s in scales],
            "checks": checks,
            "weights": base64.b64encode(quantised.tobytes(order="C")).decode("ascii"),
        }
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump(model, handle, separators=(",", ":"))
            handle.write("\n")
        print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
