# Reduced from a PyTorch-GAN script with `optimizer_G.step()` removed: the generator's loss
# also reaches the discriminator, whose step follows, but `optimizer_D.zero_grad()` empties
# the discriminator's .grad first, so that step reads nothing of `g_loss`.
import torch

generator = torch.nn.Linear(2, 4)
discriminator = torch.nn.Linear(4, 1)
adversarial_loss = torch.nn.BCEWithLogitsLoss()
optimizer_G = torch.optim.Adam(generator.parameters(), lr=2e-4)
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=2e-4)

for real in torch.randn(10, 8, 4):
    optimizer_G.zero_grad()
    fake = generator(torch.randn(8, 2))
    g_loss = adversarial_loss(discriminator(fake), torch.ones(8, 1))
    g_loss.backward()  # GL101

    optimizer_D.zero_grad()
    real_loss = adversarial_loss(discriminator(real), torch.ones(8, 1))
    fake_loss = adversarial_loss(discriminator(fake.detach()), torch.zeros(8, 1))
    d_loss = (real_loss + fake_loss) / 2
    d_loss.backward()
    optimizer_D.step()
