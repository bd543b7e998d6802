import torch

model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

class Trainer:
    def __init__(self):
        self.opt = torch.optim.Adam(model.parameters())

    def fit(self, loader):
        for i, (x, y) in enumerate(loader):
            loss = torch.nn.functional.mse_loss(model(x), y) / 4
            loss.backward()
            if (i + 1) % 4 == 0:
                # self.opt.step()  # GL102
                self.opt.zero_grad()
