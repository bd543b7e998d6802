import torch


class Runner:
    def __init__(self, model):
        self.model = model
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def run(self, loader):
        for x, y in loader:
            loss = self.forward_backward(x, y)
            self.update()
            print(loss)

    def forward_backward(self, x, y):
        self.optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(self.model(x), y)
        loss.backward()
        return loss.item()

    def update(self):
        self.optimizer.step()
