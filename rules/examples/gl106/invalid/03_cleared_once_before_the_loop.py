import torch


def train(model, loader):
    optimizer = torch.optim.AdamW(model.parameters())
    optimizer.zero_grad()
    for x, y in loader:
        torch.nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()  # GL106
