"""Cross-validated quality of the comment classifier on the shipped corpus.

    python benchmarks/comment_model_cv.py [--seed S] [--folds K]

Prints, per task (element, sentiment, urgent), the accuracy and macro-F1 of stratified
K-fold cross-validation (every comment predicted by a model that did not see it), the
macro-F1 of each fold, and for urgency the precision and recall of the shipped rule
(model and lexicon); then the version of the model trained on the whole corpus.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scoring.comments import DEFAULT_SEED, load_corpus  # noqa: E402
from scoring.comments.evaluate import cross_validate  # noqa: E402
from scoring.comments.model import version  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    examples = load_corpus()
    print(f"corpus: {len(examples)} comments; elements "
          + ", ".join(f"{k} {v}" for k, v in sorted(Counter(e.element for e in examples).items()))
          + "; sentiments "
          + ", ".join(f"{k} {v}" for k, v in sorted(Counter(e.sentiment for e in examples).items()))
          + f"; urgent {sum(e.urgent for e in examples)}")
    start = time.perf_counter()
    scores = cross_validate(examples, seed=args.seed, folds=args.folds)
    print(f"stratified {args.folds}-fold cross-validation, seed {args.seed} "
          f"({time.perf_counter() - start:.1f} s)")
    print(f"{'task':<10} {'accuracy':>9} {'macro-F1':>9}  per-fold macro-F1")
    for task, s in scores.items():
        folds = " ".join(f"{f:.3f}" for f in s.fold_macro_f1)
        line = f"{task:<10} {s.accuracy:>9.3f} {s.macro_f1:>9.3f}  {folds}"
        if s.recall is not None:
            line += f"  (precision {s.precision:.3f}, recall {s.recall:.3f})"
        print(line)
    print(f"model version (whole corpus, seed {args.seed}): {version(examples, args.seed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
