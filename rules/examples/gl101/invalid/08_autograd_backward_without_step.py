import torch

model = torch.nn.Linear(3, 3)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def train_step(x):
    optimizer.zero_grad()
    loss = model(x).sum()
    torch.autograd.backward(loss)  # GL101
    return loss.detach()


for batch in range(10):
    train_step(torch.randn(4, 3))
