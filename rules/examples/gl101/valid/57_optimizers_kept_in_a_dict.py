# StarGAN v2 keeps its optimizers in a dict (a Munch) built in a loop and steps them by
# key or attribute: each backward is stepped.
import torch


class Solver:
    def __init__(self, nets: dict):
        self.nets = nets
        self.optims = {}
        for name, net in nets.items():
            self.optims[name] = torch.optim.Adam(net.parameters(), lr=1e-4)

    def train(self, loader, optims):
        for x, z in loader:
            d_loss = self.nets["discriminator"](x).mean()
            self.optims["discriminator"].zero_grad()
            d_loss.backward()
            self.optims["discriminator"].step()

            g_loss = -self.nets["discriminator"](self.nets["generator"](z)).mean()
            optims.generator.zero_grad()
            g_loss.backward()
            optims.generator.step()
