# A global optimizer that another top-level function steps (or that the module hands on):
# the function handed to the engine may leave the step to it.
import torch
from ignite.engine import Engine, Events

from mylib import attach_lr_finder

model = torch.nn.Linear(4, 2)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
other_optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)


def backward_fn(engine, batch):
    optimizer.zero_grad()
    torch.nn.functional.cross_entropy(model(batch[0]), batch[1]).backward()


def step_fn(engine):
    optimizer.step()


def other_backward_fn(engine, batch):
    other_optimizer.zero_grad()
    torch.nn.functional.cross_entropy(model(batch[0]), batch[1]).backward()


trainer = Engine(backward_fn)
trainer.add_event_handler(Events.ITERATION_COMPLETED, step_fn)
other = Engine(other_backward_fn)
attach_lr_finder(other, other_optimizer)
