# Two optimizers over one summed loss, stepped through a list: each of them steps, though
# no `optimizer_a.step()` is written out.
import torch

critic_a = torch.nn.Linear(4, 1)
critic_b = torch.nn.Linear(4, 1)
optimizer_a = torch.optim.Adam(critic_a.parameters(), lr=1e-4)
optimizer_b = torch.optim.Adam(critic_b.parameters(), lr=1e-4)
optimizers = [optimizer_a, optimizer_b]

for real in torch.randn(10, 8, 4):
    for opt in optimizers:
        opt.zero_grad()
    loss = critic_a(real).mean() + critic_b(real).mean()
    loss.backward()
    optimizer_b.step()
    for opt in optimizers[:1]:
        opt.step()
