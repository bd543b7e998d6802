# A training helper shared by the tests of a case (Opacus' engine checks) lost its step.
# Other tests of the class step their own optimizers, or hand them to a scheduler: each test
# runs alone, on an instance of its own, so none of them steps what the helper computed.
import unittest

import torch
from opacus.schedulers import StepNoise


class EngineChecks(unittest.TestCase):
    def _train_steps(self, model, optimizer, loader):
        for x, y in loader:
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()  # GL101

    def test_model_moves(self):
        model = torch.nn.Linear(4, 2)
        before = model.weight.clone()
        self._train_steps(model, torch.optim.SGD(model.parameters(), lr=0.1), [])
        self.assertFalse(torch.equal(before, model.weight))

    def test_noise_schedule(self):
        model = torch.nn.Linear(4, 2)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        StepNoise(optimizer=opt, step_size=1, gamma=1.0)
        opt.step()
