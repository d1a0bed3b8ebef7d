#!/usr/bin/env python3
"""The Python side of bench/train's comparison: SetFit's stage 1 as Python SetFit runs it
(setfit 1.x over sentence-transformers and transformers' BertModel), written out in PyTorch
eager mode so that it runs where those packages cannot be installed (Debian's python3-torch,
the same LibTorch 1.13 and OpenBLAS as the C++ side).

What it reproduces, op for op: BERT's embeddings (word + token type + position, LayerNorm,
dropout), self-attention as transformers computes it (separate q/k/v projections, heads split
by view/permute, scores / sqrt(d) + the additive mask, softmax, dropout, context
permute/contiguous/view), the output and feed-forward blocks with dropout and residual
LayerNorm; sentence-transformers' mean pooling; CosineSimilarityLoss (cosine, then MSE);
torch.optim.AdamW (weight decay 0.01 except biases and LayerNorm weights) with linear
warm-up over 10% of the steps and linear decay, gradient clipping at 1.0; each side of a
batch padded to its own longest text (sentence-transformers' smart batching). `use_amp` is
not offered: sentence-transformers 2.x wraps the forward in torch.cuda.amp.autocast, which
does nothing on a CPU, so Python's "use_amp" is this same fp32 run.

Token ids come from the C++ tokeniser (`bench_train ... --token-ids FILE`) so that both
sides see the same lengths; the weights are random (time does not depend on them).

    python3 bench/python_stage1.py TOKEN_IDS_JSON THREADS
"""

import json
import math
import random
import sys
import time

import torch
from torch import nn

HIDDEN, LAYERS, HEADS, INTERMEDIATE, VOCAB, MAX_POSITIONS = 384, 6, 12, 1536, 30522, 512
DROPOUT = 0.1
PAIRS, BATCH, LEARNING_RATE = 640, 16, 2e-5


class SelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.query = nn.Linear(HIDDEN, HIDDEN)
        self.key = nn.Linear(HIDDEN, HIDDEN)
        self.value = nn.Linear(HIDDEN, HIDDEN)
        self.head_dim = HIDDEN // HEADS

    def heads(self, x):
        batch, length, _ = x.shape
        return x.view(batch, length, HEADS, self.head_dim).permute(0, 2, 1, 3)

    def forward(self, hidden, additive_mask):
        q = self.heads(self.query(hidden))
        k = self.heads(self.key(hidden))
        v = self.heads(self.value(hidden))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        probs = nn.functional.dropout(torch.softmax(scores + additive_mask, dim=-1), DROPOUT,
                                      self.training)
        context = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        return context.view(context.shape[0], context.shape[1], HIDDEN)


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = SelfAttention()
        self.attention_output = nn.Linear(HIDDEN, HIDDEN)
        self.attention_norm = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.intermediate = nn.Linear(HIDDEN, INTERMEDIATE)
        self.output = nn.Linear(INTERMEDIATE, HIDDEN)
        self.output_norm = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.dropout = nn.Dropout(DROPOUT)

    def forward(self, hidden, additive_mask):
        context = self.attention(hidden, additive_mask)
        attended = self.attention_norm(self.dropout(self.attention_output(context)) + hidden)
        inner = nn.functional.gelu(self.intermediate(attended))
        return self.output_norm(self.dropout(self.output(inner)) + attended)


class Bert(nn.Module):
    def __init__(self):
        super().__init__()
        self.word_embeddings = nn.Embedding(VOCAB, HIDDEN)
        self.position_embeddings = nn.Embedding(MAX_POSITIONS, HIDDEN)
        self.token_type_embeddings = nn.Embedding(2, HIDDEN)
        self.embedding_norm = nn.LayerNorm(HIDDEN, eps=1e-12)
        self.dropout = nn.Dropout(DROPOUT)
        self.layers = nn.ModuleList([Layer() for _ in range(LAYERS)])

    def forward(self, input_ids, attention_mask):
        length = input_ids.shape[1]
        positions = torch.arange(length).unsqueeze(0)
        x = (self.word_embeddings(input_ids) + self.token_type_embeddings(torch.zeros_like(input_ids))
             + self.position_embeddings(positions))
        x = self.dropout(self.embedding_norm(x))
        additive = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        for layer in self.layers:
            x = layer(x, additive)
        return x


def mean_pooled(model, texts):
    length = max(len(ids) for ids in texts)
    input_ids = torch.tensor([ids + [0] * (length - len(ids)) for ids in texts])
    mask = torch.tensor([[1] * len(ids) + [0] * (length - len(ids)) for ids in texts])
    tokens = model(input_ids, mask)
    expanded = mask.unsqueeze(-1).to(tokens.dtype)
    return (tokens * expanded).sum(1) / expanded.sum(1).clamp(min=1e-9)


def pairs_of(ids, labels, rng):
    """SetFit's pair generation: per iteration and example, one positive and one negative."""
    pairs = []
    while len(pairs) < PAIRS:
        for i, label in enumerate(labels):
            same = [j for j, other in enumerate(labels) if other == label]
            different = [j for j, other in enumerate(labels) if other != label]
            pairs.append((ids[i], ids[rng.choice(same)], 1.0))
            pairs.append((ids[i], ids[rng.choice(different)], 0.0))
    rng.shuffle(pairs)
    return pairs[:PAIRS]


def main():
    data = json.load(open(sys.argv[1]))
    threads = int(sys.argv[2])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    rng = random.Random(0)
    model = Bert()
    model.train()
    no_decay = lambda name: name.endswith("bias") or "norm" in name
    groups = [
        {"params": [p for n, p in model.named_parameters() if not no_decay(n)], "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if no_decay(n)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=LEARNING_RATE)
    steps = PAIRS // BATCH
    warmup = math.ceil(steps * 0.1)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: s / max(1, warmup) if s < warmup else max(0.0, (steps - s) / max(1, steps - warmup)))
    pairs = pairs_of(data["ids"], data["labels"], rng)

    # One untimed step, as the C++ side's clock starts at its first step report.
    start = None
    for step in range(steps + 1):
        batch = pairs[(step % steps) * BATCH:(step % steps + 1) * BATCH]
        u = mean_pooled(model, [a for a, _, _ in batch])
        v = mean_pooled(model, [b for _, b, _ in batch])
        target = torch.tensor([label for _, _, label in batch])
        loss = nn.functional.mse_loss(torch.cosine_similarity(u, v), target)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        if step == 0:
            start = time.perf_counter()
    seconds = time.perf_counter() - start
    print(json.dumps({"threads": threads, "steps": steps, "pairs_per_second": steps * BATCH / seconds,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
