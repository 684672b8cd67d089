"""Fine-tune the embedding model on the knowledge base's own phrasings (CPU, a few minutes).

Pairs come from the content only, never from the development set: a phrasing and another
phrasing of the same entry, and an entry's question and its answer. The loss is
MultipleNegativesRankingLoss (in-batch negatives: the other pairs of the batch), written as a
plain PyTorch loop so that no training framework beyond sentence-transformers is needed.
Inputs are the form the embedder sees at search time: by default the normalised form
(``knowledge.text.normalize``), where a phrasing and its unaccented spelling are one input; for
a model fed text with tones, each phrasing is also paired with its folded form.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from knowledge.embedder import resolve_model
from knowledge.store import Entry
from knowledge.text import clean, normalize

SCALE = 20.0  # cosine similarities times 20, as MultipleNegativesRankingLoss does


@dataclass(frozen=True)
class TuningPlan:
    base_model: str
    epochs: int = 1
    batch_size: int = 32
    learning_rate: float = 3e-5
    seed: int = 2025
    max_tokens: int = 64  # phrasings are short; long answers are cut, which keeps CPU training quick
    fold: bool = True  # train on the form the embedder will see (see knowledge.embedder)
    trainable_layers: int = 6  # top transformer layers trained (all six of MiniLM-L6); fewer is faster


def training_pairs(entries: Iterable[Entry], seed: int, fold: bool = True) -> list[tuple[str, str]]:
    rng = random.Random(seed)  # noqa: S311 - reproducible shuffling, not security
    form = normalize if fold else clean
    pairs = []
    for entry in entries:
        texts = [form(t) for t in entry.texts()]
        for number, text in enumerate(texts):
            others = texts[:number] + texts[number + 1 :]
            if others:
                pairs.append((text, rng.choice(others)))
            if not fold and normalize(text) != text:
                pairs.append((text, normalize(text)))  # the same phrasing typed without tones
        pairs.append((texts[0], form(entry.answer)))
    rng.shuffle(pairs)
    return pairs


def fingerprint(plan: TuningPlan, entries: list[Entry]) -> str:
    """Identifies a tuned model: the plan, the base model and the content it learnt from."""
    digest = hashlib.sha256(json.dumps(plan.__dict__, sort_keys=True).encode())
    for entry in sorted(entries, key=lambda e: e.id):
        digest.update(entry.content_hash().encode())
    return digest.hexdigest()[:16]


def tune(plan: TuningPlan, entries: list[Entry], out: Path) -> Path:
    """Train and save the tuned model under ``out``; returns its folder."""
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(plan.seed)
    model = SentenceTransformer(resolve_model(plan.base_model), device="cpu")
    serving_length = model.max_seq_length
    model.max_seq_length = plan.max_tokens
    _freeze_lower_layers(model, plan.trainable_layers)
    model.train()
    pairs = training_pairs(entries, plan.seed, plan.fold)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=plan.learning_rate)
    loss_fn = torch.nn.CrossEntropyLoss()

    def embed(texts: list[str]) -> torch.Tensor:
        features = model.preprocess(texts)
        output = model(features)["sentence_embedding"]
        return torch.nn.functional.normalize(output, dim=-1)

    for _ in range(plan.epochs):
        for start in range(0, len(pairs), plan.batch_size):
            batch = pairs[start : start + plan.batch_size]
            if len(batch) < 2:
                continue
            anchors = embed([a for a, _ in batch])
            positives = embed([p for _, p in batch])
            scores = anchors @ positives.T * SCALE
            loss = loss_fn(scores, torch.arange(len(batch)))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    model.eval()
    model.max_seq_length = serving_length
    out.mkdir(parents=True, exist_ok=True)
    model.save(str(out))
    return out


def _freeze_lower_layers(model: object, trainable: int) -> None:
    """Train only the top ``trainable`` encoder layers (all of them when the layout is unknown)."""
    encoder = getattr(getattr(model[0], "auto_model", None), "encoder", None)  # type: ignore[index]
    layers = getattr(encoder, "layer", None)
    if layers is None or trainable >= len(layers):
        return
    for parameter in model[0].auto_model.parameters():  # type: ignore[index]
        parameter.requires_grad = False
    for layer in layers[len(layers) - trainable :]:
        for parameter in layer.parameters():
            parameter.requires_grad = True
