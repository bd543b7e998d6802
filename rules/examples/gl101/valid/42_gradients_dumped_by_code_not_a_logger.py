# The gradients are the product here: saved for an attribution study, never stepped. Only
# logging calls (print, log_*, *_summary, histograms) count as merely looking at them.
import numpy as np
import torch
from torch import nn

model = nn.Linear(8, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def to_np(x):
    return x.detach().cpu().numpy()


def dump_gradients(batches, path):
    for i, (x, y) in enumerate(batches):
        model.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        np.save(f"{path}/{i}.npy", to_np(model.weight.grad))
