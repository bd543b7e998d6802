# Reduced from a real report: the trainer "only calculates the loss and gradient, and does
# not use the optimizer".
import torch


class Trainer:
    def __init__(self, model, lr):
        self.model = model
        self.optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        self.criterion = torch.nn.MSELoss()

    def train_epoch(self, loader):
        total = 0.0
        for x, y in loader:
            self.optimizer.zero_grad()
            loss = self.criterion(self.model(x), y)
            loss.backward()  # GL101
            total += loss.item()
        return total / len(loader)
