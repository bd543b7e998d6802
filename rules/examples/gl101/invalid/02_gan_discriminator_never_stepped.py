# Reduced from a real report: the discriminator's optimizer is never stepped.
import torch
from torch import nn

netG = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 8))
netD = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))
optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-4)
optimizerG = torch.optim.Adam(netG.parameters(), lr=2e-4)
criterion = nn.BCEWithLogitsLoss()


def train(loader):
    for real in loader:
        noise = torch.randn(real.size(0), 16)
        fake = netG(noise)
        netD.zero_grad()
        real_out = netD(real)
        fake_out = netD(fake.detach())
        errD = criterion(real_out, torch.ones_like(real_out)) + criterion(
            fake_out, torch.zeros_like(fake_out)
        )
        errD.backward()  # GL101

        netG.zero_grad()
        out = netD(fake)
        errG = criterion(out, torch.ones_like(out))
        errG.backward()
        optimizerG.step()
