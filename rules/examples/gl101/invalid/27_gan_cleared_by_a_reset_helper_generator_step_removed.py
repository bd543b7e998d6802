# The same GAN with the generator's step deleted instead: the next step, the
# discriminator's, runs after reset_grad() has emptied the generator's gradients.
import torch
from torch import nn

D = nn.Sequential(nn.Linear(784, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1), nn.Sigmoid())
G = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 784), nn.Tanh())
criterion = nn.BCELoss()
d_optimizer = torch.optim.Adam(D.parameters(), lr=0.0002)
g_optimizer = torch.optim.Adam(G.parameters(), lr=0.0002)


class Trainer:
    def reset_grad(self):
        d_optimizer.zero_grad()
        g_optimizer.zero_grad()

    def fit(self, batches):
        for images in batches:
            real_labels, fake_labels = torch.ones(16, 1), torch.zeros(16, 1)
            d_loss = criterion(D(images), real_labels)
            d_loss = d_loss + criterion(D(G(torch.randn(16, 64))), fake_labels)
            self.reset_grad()
            d_loss.backward()
            d_optimizer.step()

            g_loss = criterion(D(G(torch.randn(16, 64))), real_labels)
            self.reset_grad()
            g_loss.backward()  # GL101
