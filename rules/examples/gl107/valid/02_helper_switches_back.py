import torch


def evaluate(model, loader):
    model.eval()
    with torch.no_grad():
        total = sum(model(x).sum().item() for x, _ in loader)
    model.train()
    return total


def evaluate_restoring(model, loader):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        total = sum(model(x).sum().item() for x, _ in loader)
    model.train(was_training)
    return total


def train(model, loader, val_loader):
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    model.train()
    for step, (x, y) in enumerate(loader):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        if step % 100 == 0:
            evaluate(model, val_loader)
            evaluate_restoring(model, val_loader)
