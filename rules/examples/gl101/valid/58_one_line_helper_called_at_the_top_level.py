# A script with a one-line helper called at the top level (the layout of its one-line body
# once crashed the analysis) and an ordinary training loop.
import math

import torch


def lcm(a, b): return abs(a * b) // math.gcd(a, b)  # fmt: skip


print_every = lcm(4, 6)
model = torch.nn.Linear(2, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for step, x in enumerate(torch.randn(100, 8, 2)):
    opt.zero_grad()
    model(x).sum().backward()
    opt.step()
