# The model trained is a part of the model the optimizer holds, or another optimizer holds
# it: every parameter the loss reaches is stepped.
import torch
from torch import nn

backbone = nn.Sequential(nn.Linear(8, 8), nn.ReLU())
model = nn.Sequential(backbone, nn.Linear(8, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
probe = nn.Linear(8, 2)
probe_optimizer = torch.optim.SGD(probe.parameters(), lr=0.1)


def pretrain(loader):
    for x, y in loader:
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(backbone(x), x)
        loss.backward()
        optimizer.step()


def fit_probe(loader):
    for x, y in loader:
        probe_optimizer.zero_grad()
        loss = nn.functional.cross_entropy(probe(x), y)
        loss.backward()
        probe_optimizer.step()
