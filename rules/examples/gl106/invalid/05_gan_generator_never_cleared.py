import torch
from torch import nn


def train(netG, netD, loader, nz):
    opt_d = torch.optim.Adam(netD.parameters())
    opt_g = torch.optim.Adam(netG.parameters())
    bce = nn.BCEWithLogitsLoss()
    for real in loader:
        fake = netG(torch.randn(real.size(0), nz))
        opt_d.zero_grad()
        d_loss = bce(netD(real), torch.ones(real.size(0), 1)) + bce(
            netD(fake.detach()), torch.zeros(real.size(0), 1)
        )
        d_loss.backward()
        opt_d.step()
        g_loss = bce(netD(fake), torch.ones(real.size(0), 1))
        g_loss.backward()
        opt_g.step()  # GL106
