import torch


class DiffusionTrainer:
    def __init__(self, model, data, steps):
        self.model = model
        self.data = data
        self.steps = steps
        self.opt = torch.optim.Adam(model.parameters(), lr=1e-4)

    def sample(self, n):
        self.model.eval()
        with torch.no_grad():
            return self.model(torch.randn(n, 3, 32, 32))

    def log_samples(self, step):
        images = self.sample(16)
        print(step, images.mean().item())

    def train(self):
        step = 0
        self.model.train()
        while step < self.steps:
            x = next(self.data)
            loss = (self.model(x) - x).pow(2).mean()
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            step += 1
            if step % 1000 == 0:
                self.log_samples(step)  # GL107
