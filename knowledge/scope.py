"""Is a question about what the knowledge base covers at all? The out-of-scope signal.

The search's scores say which entry fits a question best, not whether any entry does: "quyết
toán thuế thu nhập cá nhân" shares "thu nhập", "cá nhân" and "online" with the content and
scores like a real question. This model answers the other question. It is a logistic
regression (scikit-learn) over TF-IDF of the lexical terms (``knowledge.lexical.terms``: the
normalised syllables and adjacent pairs, so tones, abbreviations and teencode do not matter),
trained on every phrasing of the content (in scope) against the reviewed list of questions
the assistant does not cover (``knowledge/content/out_of_scope.yml``).

It is trained when the search service opens (well under a second on two cores), so it follows
the content and the list; a staff edit reaches it at the next start (a new phrasing's words
that the model has not seen are ignored until then). The probability threshold that decides
is fitted with the rest of the calibration (``knowledge.calibration``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from knowledge.lexical import terms

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

OUT_OF_SCOPE_FILE = Path(__file__).parent / "content" / "out_of_scope.yml"
REGULARISATION = 3.0  # LogisticRegression's C, chosen on the development set (benchmarks/search.py)


def out_of_scope_examples(path: Path = OUT_OF_SCOPE_FILE) -> list[str]:
    """The reviewed questions the assistant does not answer (negative examples)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [str(question).strip() for question in data.get("questions", []) if str(question).strip()]


class ScopeModel:
    """P(in scope | question) from a TF-IDF logistic regression; untrained, it says 1.0."""

    def __init__(self, regularisation: float = REGULARISATION) -> None:
        self.regularisation = regularisation
        self._vectorizer: TfidfVectorizer | None = None
        self._classifier: LogisticRegression | None = None

    @property
    def trained(self) -> bool:
        return self._classifier is not None

    def fit(self, in_scope: Sequence[str], out_of_scope: Sequence[str]) -> ScopeModel:
        """Train on phrasings of the content against questions outside it (both needed)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        if not in_scope or not out_of_scope:
            self._vectorizer = self._classifier = None
            return self
        vectorizer = TfidfVectorizer(analyzer=terms, sublinear_tf=True)
        features = vectorizer.fit_transform([*in_scope, *out_of_scope])
        labels = [1] * len(in_scope) + [0] * len(out_of_scope)
        classifier = LogisticRegression(C=self.regularisation, class_weight="balanced", max_iter=5000)
        classifier.fit(features, labels)
        self._vectorizer, self._classifier = vectorizer, classifier
        return self

    def probabilities(self, queries: Sequence[str]) -> list[float]:
        if self._vectorizer is None or self._classifier is None:
            return [1.0] * len(queries)
        if not queries:
            return []
        return [float(p) for p in self._classifier.predict_proba(self._vectorizer.transform(queries))[:, 1]]

    def probability(self, query: str) -> float:
        return self.probabilities([query])[0]
