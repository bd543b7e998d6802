import torch


def finetune_with_frozen_batch_norm(model, loader):
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    for x, y in loader:
        model.eval()  # every iteration, before the forward: batch norm frozen on purpose
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()


def freeze_backbone_norms(model, loader):
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        model.backbone.eval()  # a part of the model, on purpose
