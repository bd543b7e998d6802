import torch

backbone = torch.nn.Linear(8, 8)
head = torch.nn.Linear(8, 2)
optimizer = torch.optim.SGD(head.parameters(), lr=0.1)
criterion = torch.nn.CrossEntropyLoss()


def train(loader):
    for x, y in loader:
        optimizer.zero_grad()
        with torch.no_grad():
            features = backbone(x)
        loss = criterion(head(features), y)
        loss.backward()
        optimizer.step()
