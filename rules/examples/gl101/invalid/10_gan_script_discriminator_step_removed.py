# Reduced from pytorch/examples dcgan with `optimizerD.step()` removed: `output` is bound
# again later (from the generator's fake) for the generator's loss, but the discriminator's
# loss is computed from the `output` bound before its backward, so only netD's optimizer
# can consume it.
import torch

netD = torch.nn.Linear(4, 1)
netG = torch.nn.Linear(2, 4)
criterion = torch.nn.BCEWithLogitsLoss()
optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-4)
optimizerG = torch.optim.Adam(netG.parameters(), lr=2e-4)

for real in torch.randn(10, 8, 4):
    netD.zero_grad()
    output = netD(real).view(-1)
    errD_real = criterion(output, torch.ones_like(output))
    errD_real.backward()  # GL101
    fake = netG(torch.randn(8, 2))
    netG.zero_grad()
    output = netD(fake).view(-1)
    errG = criterion(output, torch.ones_like(output))
    errG.backward()
    optimizerG.step()
