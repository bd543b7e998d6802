import torch


def resume(path, loader, build_model):
    model = build_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    if path:
        model = torch.load(path)  # GL105
    for x, y in loader:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
