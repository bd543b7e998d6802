import torch


def gradient_penalty(critic, real, fake):
    alpha = torch.rand(real.size(0), 1)
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    scores = critic(mixed)
    grads = torch.autograd.grad(scores.sum(), mixed, create_graph=True)[0]
    return ((grads.norm(2, dim=1) - 1) ** 2).mean()


def train(critic, generator, loader):
    opt_c = torch.optim.Adam(critic.parameters(), lr=1e-4)
    for real in loader:
        fake = generator(torch.randn(real.size(0), 8)).detach()
        opt_c.zero_grad()
        loss = critic(fake).mean() - critic(real).mean() + 10 * gradient_penalty(critic, real, fake)
        loss.backward()
        opt_c.step()
