# Closures handed on as values, where the optimizer they close over is stepped elsewhere:
# by the enclosing function (LBFGS), by a helper the optimizer is handed to, or by another
# function nested beside them (an event handler).
import torch
from ignite.engine import Engine, Events

from mylib import run_lbfgs


def fit_lbfgs(model, x, y):
    optimizer = torch.optim.LBFGS(model.parameters())

    def closure():
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        return loss

    for _ in range(10):
        optimizer.step(closure)


def fit_with_a_helper(model, x, y):
    optimizer = torch.optim.LBFGS(model.parameters())

    def closure():
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        return loss

    run_lbfgs(optimizer, closure)


def create_trainer(model, optimizer, criterion):
    def train_step(engine, batch):
        optimizer.zero_grad()
        loss = criterion(model(batch[0]), batch[1])
        loss.backward()
        return loss.item()

    trainer = Engine(train_step)

    @trainer.on(Events.ITERATION_COMPLETED)
    def apply_update(engine):
        optimizer.step()

    return trainer
