# Each pass clears and backpropagates, then a helper of the module steps (and logs).
import torch


def apply_update(optimizer, step):
    optimizer.step()
    if step % 100 == 0:
        print("stepped", step)


def train(model, optimizer, loader):
    for step, (x, y) in enumerate(loader):
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        apply_update(optimizer, step)
    optimizer.step()
