# A WGAN-GP critic update with `optimizer_D.step()` removed. The gradient penalty's
# `autograd.grad` returns gradients and reads no `.grad`, so it consumes nothing; the
# generator's step only reads the generator's weights.
import torch
from torch import autograd

generator = torch.nn.Linear(2, 4)
critic = torch.nn.Linear(4, 1)
optimizer_G = torch.optim.Adam(generator.parameters(), lr=1e-4)
optimizer_D = torch.optim.Adam(critic.parameters(), lr=1e-4)

for real in torch.randn(10, 8, 4):
    optimizer_D.zero_grad()
    fake = generator(torch.randn(8, 2))
    mixed = (0.5 * real + 0.5 * fake.detach()).requires_grad_(True)
    (grad,) = autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    penalty = ((grad.norm(2, dim=1) - 1) ** 2).mean()
    d_loss = critic(fake.detach()).mean() - critic(real).mean() + 10 * penalty
    d_loss.backward()  # GL101

    optimizer_G.zero_grad()
    g_loss = -critic(generator(torch.randn(8, 2))).mean()
    g_loss.backward()
    optimizer_G.step()
