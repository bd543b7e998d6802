# Helpers that backpropagate and step: one clears itself, the other's loop clears, the
# third accumulates and clears after its k-th step.
import torch

model = torch.nn.Linear(8, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def step_and_clear(x, y):
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)


def step_only(x, y):
    torch.nn.functional.mse_loss(model(x), y).backward()
    optimizer.step()


def accumulate(i, x, y, every=4):
    (torch.nn.functional.mse_loss(model(x), y) / every).backward()
    if (i + 1) % every == 0:
        optimizer.step()
        optimizer.zero_grad()


def train(loader):
    for x, y in loader:
        step_and_clear(x, y)
    for x, y in loader:
        model.zero_grad()
        step_only(x, y)
    for i, (x, y) in enumerate(loader):
        accumulate(i, x, y)
