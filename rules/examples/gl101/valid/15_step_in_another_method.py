import torch


class Learner:
    def __init__(self, model):
        self.model = model
        self.optimizer = torch.optim.Adam(model.parameters())

    def backward(self, loss):
        self.optimizer.zero_grad()
        loss.backward()

    def optimizer_step(self):
        self.optimizer.step()
