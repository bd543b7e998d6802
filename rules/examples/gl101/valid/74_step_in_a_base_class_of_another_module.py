# pytorch/xla's AMP example: the training loop clears and backpropagates on every pass,
# and `self.run_optimizer()`, inherited from `TrainResNetBase` in another module, steps.
import itertools

from train_resnet_base import TrainResNetBase


class TrainResNetXLAAMP(TrainResNetBase):
    def train_loop_fn(self, loader, epoch):
        self.model.train()
        loader = itertools.islice(loader, self.num_steps)
        for step, (data, target) in enumerate(loader):
            self.optimizer.zero_grad()
            loss = self.loss_fn(self.model(data), target)
            loss.backward()
            self.run_optimizer()
