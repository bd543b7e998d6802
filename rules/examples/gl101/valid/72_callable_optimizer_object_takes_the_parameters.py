# minipyro's SVI: `self.optim` is an optimizer object that, called on the parameters the
# trace recorded, builds a torch optimizer for each and steps it.
import torch


class Adam:
    def __init__(self, optim_args):
        self.optim_args = optim_args
        self.optim_objs = {}

    def __call__(self, params):
        for param in params:
            if param not in self.optim_objs:
                self.optim_objs[param] = torch.optim.Adam([param], **self.optim_args)
            self.optim_objs[param].step()


class SVI:
    def __init__(self, model, optim, loss):
        self.model = model
        self.optim = optim
        self.loss = loss

    def step(self, *args):
        loss = self.loss(self.model, *args)
        loss.backward()
        params = list(self.model.parameters())
        self.optim(params)
        for p in params:
            p.grad = torch.zeros_like(p)
        return loss.item()
