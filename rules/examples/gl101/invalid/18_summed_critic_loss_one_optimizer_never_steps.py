# Two critics trained on one summed loss, each with its own optimizer; only one of them
# steps. `optimizer_b.step()` consumes the backward's gradients of critic_b, but critic_a's
# optimizer never steps anywhere: its weights stay frozen.
import torch

critic_a = torch.nn.Linear(4, 1)
critic_b = torch.nn.Linear(4, 1)
optimizer_a = torch.optim.Adam(critic_a.parameters(), lr=1e-4)
optimizer_b = torch.optim.Adam(critic_b.parameters(), lr=1e-4)

for real, fake in zip(torch.randn(10, 8, 4), torch.randn(10, 8, 4)):
    optimizer_a.zero_grad()
    optimizer_b.zero_grad()
    loss_a = critic_a(fake).mean() - critic_a(real).mean()
    loss_b = critic_b(fake).mean() - critic_b(real).mean()
    loss = loss_a + loss_b
    loss.backward()  # GL101
    optimizer_b.step()
