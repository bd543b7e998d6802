import torch
from torch import nn


class Trainer:
    def __init__(self, make_model):
        self.model = make_model()
        self.optimizer = torch.optim.Adam(self.model.parameters())
        self.model = make_model()  # GL105

    def step(self, x, y):
        self.optimizer.zero_grad()
        loss = nn.functional.mse_loss(self.model(x), y)
        loss.backward()
        self.optimizer.step()
