# A WGAN-GP critic step: the gradient penalty comes out of a method of the class that calls
# the critic itself, so the critic's optimizer (not only the generator's) may hold its weights.
import torch


class WGAN:
    def __init__(self):
        self.G = Generator()
        self.D = Discriminator()
        self.d_optimizer = torch.optim.Adam(self.D.parameters(), lr=1e-4)
        self.g_optimizer = torch.optim.Adam(self.G.parameters(), lr=1e-4)

    def calculate_gradient_penalty(self, real, fake):
        eta = torch.rand(real.size(0), 1, 1, 1)
        interpolated = (eta * real + (1 - eta) * fake).requires_grad_(True)
        prob = self.D(interpolated)
        grads = torch.autograd.grad(prob, interpolated, torch.ones_like(prob), create_graph=True)[0]
        return ((grads.norm(2, dim=1) - 1) ** 2).mean() * 10

    def train(self, data):
        for g_iter in range(100):
            for d_iter in range(5):
                self.D.zero_grad()
                images = next(data)
                if images.size(0) != 64:
                    continue
                z = torch.randn(64, 100)
                d_loss_real = self.D(images).mean()
                d_loss_real.backward()
                fake_images = self.G(z)
                d_loss_fake = self.D(fake_images).mean()
                d_loss_fake.backward()
                gradient_penalty = self.calculate_gradient_penalty(images.data, fake_images.data)
                gradient_penalty.backward()
                self.d_optimizer.step()
            self.G.zero_grad()
            g_loss = self.D(self.G(torch.randn(64, 100))).mean()
            g_loss.backward()
            self.g_optimizer.step()
