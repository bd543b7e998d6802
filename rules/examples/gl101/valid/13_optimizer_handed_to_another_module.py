import torch

from .utils import clip_and_step


def train(model, loader):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for x, y in loader:
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        clip_and_step(model, optimizer, max_norm=1.0)
