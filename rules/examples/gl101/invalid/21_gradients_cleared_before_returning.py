# Reduced from a benchmark script with two training functions, each over its own model and
# optimizer; the first one's step is removed. Its gradients are cleared before it returns,
# so the second function's step, which runs after it, reads none of them.
import torch


def build():
    model = torch.nn.Linear(4, 1)
    return model, torch.optim.SGD(model.parameters(), lr=0.1)


def train_baseline(batches):
    model, optimizer = build()
    for x, y in batches:
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()  # GL101
        optimizer.zero_grad()


def train_integration(batches):
    model, optimizer = build()
    for x, y in batches:
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()


if __name__ == "__main__":
    data = [(torch.randn(8, 4), torch.randn(8, 1))] * 3
    train_baseline(data)
    train_integration(data)
