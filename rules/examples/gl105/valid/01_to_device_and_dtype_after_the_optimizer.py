# nn.Module.to()/cuda()/half()/train() convert in place and return the module itself: the
# optimizer's references stay the model's parameters.
import torch


def train(model, loader, device):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    model = model.to(device)
    model = model.float().train()
    model.cuda()
    for x, y in loader:
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
