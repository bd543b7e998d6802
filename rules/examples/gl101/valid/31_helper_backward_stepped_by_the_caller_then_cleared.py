# The helper backpropagates and returns; the caller steps, then clears. The clearing after
# the caller's step is no loss of the helper's gradients.
import torch

model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def backward_pass(x, y):
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    return loss.item()


def train(batches):
    for x, y in batches:
        backward_pass(x, y)
        optimizer.step()
        optimizer.zero_grad()
