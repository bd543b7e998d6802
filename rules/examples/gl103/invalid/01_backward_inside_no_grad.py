# Reduced from a real report: the whole training step was written inside torch.no_grad().
import torch

model = torch.nn.Linear(8, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
criterion = torch.nn.CrossEntropyLoss()


def train(loader):
    for x, y in loader:
        optimizer.zero_grad()
        with torch.no_grad():
            out = model(x)  # GL103
            loss = criterion(out, y)
            loss.backward()
        optimizer.step()
