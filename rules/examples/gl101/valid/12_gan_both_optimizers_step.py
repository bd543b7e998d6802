import torch
from torch import nn

netG = nn.Linear(16, 8)
netD = nn.Linear(8, 1)
optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-4)
optimizerG = torch.optim.Adam(netG.parameters(), lr=2e-4)
criterion = nn.BCEWithLogitsLoss()


def train(loader):
    for real in loader:
        fake = netG(torch.randn(real.size(0), 16))
        netD.zero_grad()
        out_real, out_fake = netD(real), netD(fake.detach())
        errD = criterion(out_real, torch.ones_like(out_real)) + criterion(
            out_fake, torch.zeros_like(out_fake)
        )
        errD.backward()
        optimizerD.step()

        netG.zero_grad()
        out = netD(fake)
        errG = criterion(out, torch.ones_like(out))
        errG.backward()
        optimizerG.step()
