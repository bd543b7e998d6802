# Reduced from a forward-forward example with the layer's own step removed: a subclass of
# a PyTorch layer trains itself in a method. `nn.Linear` is a plain layer, not a framework
# class whose loop would step it.
import torch
from torch import nn


class Layer(nn.Linear):
    def __init__(self, in_features, out_features):
        super().__init__(in_features, out_features)
        self.opt = torch.optim.Adam(self.parameters(), lr=0.03)

    def train_layer(self, x_pos, x_neg):
        for _ in range(10):
            loss = (self.forward(x_neg).pow(2).mean() - self.forward(x_pos).pow(2).mean()).exp()
            self.opt.zero_grad()
            loss.backward()  # GL101
        return self.forward(x_pos).detach()
