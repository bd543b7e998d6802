import lightning as L
import torch


class GAN(L.LightningModule):
    def __init__(self, generator):
        super().__init__()
        self.generator = generator
        self.automatic_optimization = False

    def training_step(self, batch, batch_idx):
        opt = self.optimizers()
        opt.zero_grad()
        loss = self.generator(batch).pow(2).mean()
        self.manual_backward(loss)  # GL101
        return loss

    def configure_optimizers(self):
        return torch.optim.Adam(self.generator.parameters())
