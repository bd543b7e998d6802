import torch
from torch import nn


def train(loader):
    encoder = nn.Sequential(nn.Linear(16, 8), nn.ReLU())
    decoder = nn.Sequential(nn.Linear(8, 16))
    optimizer = torch.optim.Adam(encoder.parameters(), lr=1e-3)
    for x in loader:
        z = torch.randn(x.size(0), 8)
        loss = nn.functional.mse_loss(decoder(z), x)
        optimizer.zero_grad()
        loss.backward()  # GL105
        optimizer.step()
