# A GAN tutorial clears both optimizers through a helper; the discriminator's step was
# deleted, so reset_grad() empties its gradients before the generator's step runs.
import torch
from torch import nn

D = nn.Sequential(nn.Linear(784, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1), nn.Sigmoid())
G = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 784), nn.Tanh())
criterion = nn.BCELoss()
d_optimizer = torch.optim.Adam(D.parameters(), lr=0.0002)
g_optimizer = torch.optim.Adam(G.parameters(), lr=0.0002)


def reset_grad():
    d_optimizer.zero_grad()
    g_optimizer.zero_grad()


for images in [torch.randn(16, 784) for _ in range(10)]:
    real_labels, fake_labels = torch.ones(16, 1), torch.zeros(16, 1)
    fake_images = G(torch.randn(16, 64))
    d_loss = criterion(D(images), real_labels) + criterion(D(fake_images), fake_labels)
    reset_grad()
    d_loss.backward()  # GL101

    g_loss = criterion(D(G(torch.randn(16, 64))), real_labels)
    reset_grad()
    g_loss.backward()
    g_optimizer.step()
