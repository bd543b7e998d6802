# Reduced from a real report: the adversarial loss was detached and turned into a float.
import torch

generator = torch.nn.Linear(8, 8)
discriminator = torch.nn.Linear(8, 1)
g_optimizer = torch.optim.Adam(generator.parameters())
bce = torch.nn.BCEWithLogitsLoss()
l1 = torch.nn.L1Loss()


def generator_step(z, real, ones):
    g_optimizer.zero_grad()
    fake = generator(z)
    adversarial = bce(discriminator(fake), ones)
    g_loss = l1(fake, real) + 1e-3 * float(adversarial.detach())  # GL104
    g_loss.backward()
    g_optimizer.step()
