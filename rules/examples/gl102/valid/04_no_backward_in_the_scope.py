import torch

model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

def evaluate(loader):
    # optimizer.step()
    with torch.no_grad():
        return [model(x) for x, _ in loader]
