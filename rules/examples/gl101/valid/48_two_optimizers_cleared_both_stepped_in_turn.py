# Both optimizers are cleared before the backward of one loss; which one steps alternates
# (or the other steps in another method after several backwards): each still steps.
import torch


class AlternatingTrainer:
    def __init__(self, model, make_optimizer=torch.optim.SGD):
        self.model = model
        self.opt_a = make_optimizer(model.encoder.parameters(), lr=0.1)
        self.opt_b = make_optimizer(model.decoder.parameters(), lr=0.1)

    def train_step(self, x, y, step):
        self.opt_a.zero_grad()
        self.opt_b.zero_grad()
        loss = torch.nn.functional.cross_entropy(self.model(x), y)
        loss.backward()
        if step % 2:
            self.opt_a.step()
        else:
            self.opt_b.step()
        return loss.item()

    def finish(self):
        self.opt_a.step()
