import torch

model = torch.nn.Linear(8, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
criterion = torch.nn.CrossEntropyLoss()


def train(loader):
    for x, y in loader:
        optimizer.zero_grad()
        out = model(x)
        loss = torch.tensor(criterion(out, y).item(), requires_grad=True)  # GL104
        loss.backward()
        optimizer.step()
