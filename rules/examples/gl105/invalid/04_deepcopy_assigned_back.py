import copy

import torch


def train(model, loader):
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
    model = copy.deepcopy(model)  # GL105
    for x, y in loader:
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
    return model
