import torch

generator = torch.nn.Linear(8, 8)
discriminator = torch.nn.Linear(8, 1)
d_optimizer = torch.optim.Adam(discriminator.parameters())
bce = torch.nn.BCEWithLogitsLoss()


def discriminator_step(z, real, ones, zeros):
    d_optimizer.zero_grad()
    fake = generator(z)
    d_loss = bce(discriminator(fake.detach()), zeros) + bce(discriminator(real), ones)
    d_loss.backward()
    d_optimizer.step()
