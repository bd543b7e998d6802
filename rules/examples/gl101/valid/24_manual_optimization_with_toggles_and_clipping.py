# Lightning manual optimization: toggling and clipping read the optimizers, and each one
# steps after its own backward.
import torch
from lightning.pytorch import LightningModule


class GAN(LightningModule):
    def __init__(self):
        super().__init__()
        self.automatic_optimization = False
        self.generator = torch.nn.Linear(2, 4)
        self.discriminator = torch.nn.Linear(4, 1)

    def training_step(self, batch):
        opt_g, opt_d = self.optimizers()
        z = torch.randn(batch.size(0), 2)

        self.toggle_optimizer(opt_g)
        g_loss = -self.discriminator(self.generator(z)).mean()
        opt_g.zero_grad()
        self.manual_backward(g_loss)
        self.clip_gradients(opt_g, gradient_clip_val=1.0)
        opt_g.step()
        self.untoggle_optimizer(opt_g)

        self.toggle_optimizer(opt_d)
        fake = self.generator(z).detach()
        d_loss = self.discriminator(fake).mean() - self.discriminator(batch).mean()
        opt_d.zero_grad()
        self.manual_backward(d_loss)
        opt_d.step()
        self.untoggle_optimizer(opt_d)

    def configure_optimizers(self):
        return (
            torch.optim.Adam(self.generator.parameters()),
            torch.optim.Adam(self.discriminator.parameters()),
        )
