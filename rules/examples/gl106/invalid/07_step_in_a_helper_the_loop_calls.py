# The loop calls a helper that backpropagates and steps; neither clears .grad.
import torch
from torch import nn


class Trainer:
    def __init__(self, model):
        self.model = model
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

    def training_step(self, batch):
        x, y = batch
        loss = nn.functional.cross_entropy(self.model(x), y)
        loss.backward()
        self.optimizer.step()  # GL106
        return loss.item()

    def fit(self, loader, epochs):
        for _ in range(epochs):
            for batch in loader:
                self.training_step(batch)
