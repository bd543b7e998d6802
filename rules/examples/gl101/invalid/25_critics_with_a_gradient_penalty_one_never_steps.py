# Reduced from a DualGAN script with one critic's step removed: the summed critic loss holds
# a gradient penalty computed by a function of the module (whose body may call any model),
# but each critic's optimizer is cleared for this backward, and critic_a's steps nowhere.
import torch


def gradient_penalty(critic, real, fake):
    mixed = (0.5 * real + 0.5 * fake).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
    return ((grad.norm(2, dim=1) - 1) ** 2).mean()


critic_a = torch.nn.Linear(4, 1)
critic_b = torch.nn.Linear(4, 1)
optimizer_a = torch.optim.Adam(critic_a.parameters(), lr=1e-4)
optimizer_b = torch.optim.Adam(critic_b.parameters(), lr=1e-4)

for real, fake in zip(torch.randn(10, 8, 4), torch.randn(10, 8, 4)):
    optimizer_a.zero_grad()
    optimizer_b.zero_grad()
    loss_a = critic_a(fake).mean() - critic_a(real).mean() + gradient_penalty(critic_a, real, fake)
    loss_b = critic_b(fake).mean() - critic_b(real).mean() + gradient_penalty(critic_b, real, fake)
    loss = loss_a + loss_b
    loss.backward()  # GL101
    optimizer_b.step()
