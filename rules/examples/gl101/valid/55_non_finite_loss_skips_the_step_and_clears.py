# A guard against a non-finite loss: on that path the step clears every optimizer and
# returns without stepping; on every other path the generator's optimizer steps.
import torch


class GAN:
    def __init__(self, generator: torch.nn.Module, discriminator: torch.nn.Module):
        self.G, self.D = generator, discriminator
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=1e-4)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=1e-4)

    def generator_step(self, z):
        self.opt_g.zero_grad()
        g_loss = -self.D(self.G(z)).mean()
        g_loss.backward()
        if not torch.isfinite(g_loss):
            self.opt_g.zero_grad()
            self.opt_d.zero_grad()
            return None
        self.opt_g.step()
        return g_loss.item()

    def discriminator_step(self, x, z):
        self.opt_d.zero_grad()
        d_loss = self.D(self.G(z).detach()).mean() - self.D(x).mean()
        d_loss.backward()
        self.opt_d.step()
        return d_loss.item()
