# Reduced from a parity benchmark with the worker's step removed: the worker is called by a
# runner that is itself handed to a launcher, so the callers are not all known. But the
# worker builds its own optimizer and returns only timings and weights: no caller can
# step that optimizer.
import time

import torch
from launcher import launch


def train_torch(rank, steps):
    model = torch.nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    timings = []
    for _ in range(steps):
        t0 = time.perf_counter()
        optimizer.zero_grad()
        loss = model(torch.randn(8, 4)).pow(2).mean()
        loss.backward()  # GL101
        timings.append(time.perf_counter() - t0)
    return timings, model.state_dict()


def run_parity(rank, steps):
    timings, _ = train_torch(rank, steps)
    print(sum(timings))


if __name__ == "__main__":
    launch(run_parity, steps=10)
