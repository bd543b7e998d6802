import torch

model = torch.nn.Linear(8, 2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
criterion = torch.nn.MSELoss()


def train(loader):
    for x, y in loader:
        optimizer.zero_grad()
        out = model(x)
        loss = criterion(out.detach(), y)  # GL104
        loss.backward()
        optimizer.step()
