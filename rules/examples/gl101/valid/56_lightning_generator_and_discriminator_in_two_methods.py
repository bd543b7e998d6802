# Lightning's manual optimization with the generator and the discriminator in two methods,
# each taking both optimizers from self.optimizers(): the generator's step clears the
# discriminator's leaked gradients and steps its own optimizer; the discriminator's method
# steps the other one.
import lightning as L
import torch


class GAN(L.LightningModule):
    def __init__(self, generator: torch.nn.Module, discriminator: torch.nn.Module):
        super().__init__()
        self.G, self.D = generator, discriminator
        self.automatic_optimization = False

    def training_step(self, batch, batch_idx):
        if batch_idx % 2 == 0:
            return self.generator_step(batch)
        return self.discriminator_step(batch)

    def generator_step(self, batch):
        opt_g, opt_d = self.optimizers()
        g_loss = -self.D(self.G(torch.randn(len(batch), 100))).mean()
        opt_g.zero_grad()
        self.manual_backward(g_loss)
        opt_d.zero_grad()
        opt_g.step()
        return g_loss

    def discriminator_step(self, batch):
        opt_g, opt_d = self.optimizers()
        fake = self.G(torch.randn(len(batch), 100)).detach()
        d_loss = self.D(fake).mean() - self.D(batch).mean()
        opt_d.zero_grad()
        self.manual_backward(d_loss)
        opt_d.step()
        return d_loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.G.parameters()), torch.optim.Adam(self.D.parameters())
