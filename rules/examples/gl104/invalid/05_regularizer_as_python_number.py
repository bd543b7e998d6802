import torch

model = torch.nn.Linear(8, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
criterion = torch.nn.CrossEntropyLoss()


def train(loader):
    for x, y in loader:
        optimizer.zero_grad()
        penalty = model.weight.norm()
        loss = criterion(model(x), y) + 0.01 * penalty.item()  # GL104
        loss.backward()
        optimizer.step()
