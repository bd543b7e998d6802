# Clearing helpers count only for what they clear on every call: a helper that clears the
# generator alone, or only on some calls, leaves the discriminator's gradients to its step.
import torch
from torch import nn

D = nn.Linear(8, 1)
G = nn.Linear(4, 8)
d_optimizer = torch.optim.Adam(D.parameters())
g_optimizer = torch.optim.Adam(G.parameters())


def clear_generator():
    g_optimizer.zero_grad()


def maybe_clear(step):
    if step % 2 == 0:
        d_optimizer.zero_grad()


def clear_local():
    d_optimizer = torch.optim.SGD(D.parameters(), lr=0.1)  # another optimizer
    d_optimizer.zero_grad()


for step in range(10):
    d_optimizer.zero_grad()
    D(G(torch.randn(2, 4)).detach()).mean().backward()
    clear_generator()
    maybe_clear(step)
    clear_local()
    d_optimizer.step()
    g_optimizer.zero_grad()
    D(G(torch.randn(2, 4))).mean().neg().backward()
    g_optimizer.step()
