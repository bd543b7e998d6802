import torch


class Trainer:
    def __init__(self, model):
        self.model = model
        self.optimizer = torch.optim.Adam(model.parameters())
        self.criterion = torch.nn.MSELoss()

    def step(self, x, y):
        self.optimizer.zero_grad()
        with torch.no_grad():
            prediction = self.model(x)  # GL103
        loss = self.criterion(prediction, y)
        loss.backward()
        self.optimizer.step()
