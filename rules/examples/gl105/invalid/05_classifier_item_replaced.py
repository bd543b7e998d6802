import torch
from torch import nn
from torchvision.models import vgg16


def run(loader, epochs):
    net = vgg16(weights="DEFAULT")
    opt = torch.optim.Adam(net.parameters(), lr=1e-4)
    net.classifier[6] = nn.Linear(4096, 2)  # GL105
    for _ in range(epochs):
        for x, y in loader:
            opt.zero_grad()
            nn.functional.cross_entropy(net(x), y).backward()
            opt.step()
