# Reduced from a real report: the model is instantiated twice, so the optimizer holds the
# first instance's parameters.
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 2)

    def forward(self, x):
        return self.fc(x)


device = "cuda" if torch.cuda.is_available() else "cpu"
model = Net().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
model = Net().to(device)  # GL105


def train(loader):
    for x, y in loader:
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    train([(torch.randn(4, 8, device=device), torch.tensor([0, 1, 0, 1], device=device))])
