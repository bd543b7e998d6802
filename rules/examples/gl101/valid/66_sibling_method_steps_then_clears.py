# A trainer whose hooks a framework calls in turn: `backward_pass` fills the gradients and
# `optimizer_step` steps them, clearing only after its step.
import torch


class Trainer:
    def __init__(self, model):
        self.model = model
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def backward_pass(self, x, y):
        loss = torch.nn.functional.mse_loss(self.model(x), y)
        loss.backward()

    def optimizer_step(self):
        optimizer = self.optimizer
        optimizer.step()
        optimizer.zero_grad()
