import torch


def backward_pass(model, x, y):
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()  # GL101
    return loss.item()


def fit(model, loader):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    for x, y in loader:
        optimizer.zero_grad()
        backward_pass(model, x, y)
