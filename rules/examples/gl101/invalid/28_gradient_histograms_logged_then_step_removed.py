# The discriminator's gradients go only into a histogram logger; its step was deleted.
import torch
from torch import nn


class GAN:
    def __init__(self, logger):
        self.D = nn.Linear(8, 1)
        self.G = nn.Linear(4, 8)
        self.d_optimizer = torch.optim.Adam(self.D.parameters())
        self.g_optimizer = torch.optim.Adam(self.G.parameters())
        self.logger = logger

    def to_np(self, x):
        return x.data.cpu().numpy()

    def train(self, batches):
        for i, real in enumerate(batches):
            d_loss = self.D(real).mean() - self.D(self.G(torch.randn(2, 4))).mean()
            self.D.zero_grad()
            d_loss.backward()  # GL101
            for tag, value in self.D.named_parameters():
                self.logger.histo_summary(tag + "/grad", self.to_np(value.grad), i)

            g_loss = -self.D(self.G(torch.randn(2, 4))).mean()
            self.D.zero_grad()
            self.G.zero_grad()
            g_loss.backward()
            self.g_optimizer.step()
