# The generator's step commented out: the discriminator's step that follows reads only what
# `optimizer_D.zero_grad()` left, none of the generator's loss.
import torch

generator = torch.nn.Linear(2, 4)
discriminator = torch.nn.Linear(4, 1)
bce = torch.nn.BCEWithLogitsLoss()
optimizer_G = torch.optim.Adam(generator.parameters(), lr=2e-4)
optimizer_D = torch.optim.Adam(discriminator.parameters(), lr=2e-4)

for real in torch.randn(10, 8, 4):
    optimizer_G.zero_grad()
    fake = generator(torch.randn(8, 2))
    g_loss = bce(discriminator(fake), torch.ones(8, 1))
    g_loss.backward()
    # optimizer_G.step()  # GL102

    optimizer_D.zero_grad()
    d_loss = bce(discriminator(real), torch.ones(8, 1)) + bce(
        discriminator(fake.detach()), torch.zeros(8, 1)
    )
    d_loss.backward()
    optimizer_D.step()
