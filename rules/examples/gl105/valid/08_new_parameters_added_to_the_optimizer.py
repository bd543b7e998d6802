import torch
from torch import nn


def grow(model, loader):
    optimizer = torch.optim.Adam(model.parameters())
    model.extra = nn.Linear(16, 16)
    optimizer.add_param_group({"params": model.extra.parameters()})
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
