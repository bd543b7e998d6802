# A GAN step that clears both optimizers before the generator's backward (the generator's
# loss runs through the discriminator too). The discriminator's optimizer steps in its own
# phase, so it is no optimizer that never steps: nothing is lost.
import torch

netD = torch.nn.Linear(4, 1)
netG = torch.nn.Linear(2, 4)
optimizer_D = torch.optim.Adam(netD.parameters(), lr=2e-4)
optimizer_G = torch.optim.Adam(netG.parameters(), lr=2e-4)

for real in torch.randn(10, 8, 4):
    optimizer_D.zero_grad()
    fake = netG(torch.randn(8, 2))
    d_loss = netD(fake.detach()).mean() - netD(real).mean()
    d_loss.backward()
    optimizer_D.step()

    optimizer_G.zero_grad()
    optimizer_D.zero_grad()
    g_loss = -netD(fake).mean()
    g_loss.backward()
    optimizer_G.step()
