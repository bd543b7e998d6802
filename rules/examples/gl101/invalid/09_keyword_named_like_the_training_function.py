# Reduced from pytorch/examples mnist with its step removed: `train=True` is a keyword of
# the dataset, not the function `train` handed on as a value.
import torch
from torchvision import datasets


def train(model, loader, optimizer):
    for x, y in loader:
        optimizer.zero_grad()
        loss = torch.nn.functional.nll_loss(model(x), y)
        loss.backward()  # GL101


def main():
    model = torch.nn.Linear(784, 10)
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    dataset = datasets.MNIST("../data", train=True, download=True)
    loader = torch.utils.data.DataLoader(dataset, batch_size=64)
    train(model, loader, optimizer)
